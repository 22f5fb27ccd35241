/** A place in the template where a person stands, and the avatar that should take it. */
export interface Slot {
  id: string;
  /** Face box in template pixels: x, y, width, height. */
  box: [number, number, number, number];
  /** Avatar file, relative to the case folder (e.g. `avatars/ada.png`). */
  avatar: string;
}

/** A test case as written in `datasets/<id>/case.json`. */
export interface CaseManifest {
  id: string;
  title: string;
  /** Template file, relative to the case folder. */
  template: string;
  slots: Slot[];
  prompt?: string;
  tags?: string[];
  source?: string;
  license?: string;
}

/** A loaded, validated test case with absolute paths and a hash of everything that defines it. */
export interface TestCase extends CaseManifest {
  dir: string;
  templatePath: string;
  /** Absolute avatar paths in slot order. */
  avatarPaths: string[];
  width: number;
  height: number;
  /** SHA-256 of the manifest and every image it names; equal hashes mean equal inputs. */
  contentHash: string;
}

/** A case folder that could not be loaded, with what is wrong and where. */
export interface InvalidCase {
  id: string;
  dir: string;
  error: string;
}

/** The listing shape of the API and `swapbench cases --json`. */
export interface CaseSummary {
  id: string;
  title: string;
  slots: Slot[];
  tags: string[];
  valid: boolean;
  error: string | null;
  template_url: string | null;
  avatar_urls: string[];
  width: number | null;
  height: number | null;
  source: string | null;
  license: string | null;
  prompt: string | null;
}
