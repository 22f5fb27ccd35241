/** An image as the user supplied it: the bytes and the file name it came with. */
export interface SuppliedImage {
  name: string;
  bytes: Buffer;
}

/** A test case to create from supplied images (the browser's upload form and the API behind it). */
export interface CaseDraft {
  /** Case id (a slug); derived from the title when absent. */
  id?: string;
  title: string;
  prompt?: string;
  tags?: string[];
  source?: string;
  license?: string;
  template: SuppliedImage;
  avatars: SuppliedImage[];
  /**
   * One entry per face found in the template, left to right: the index of the avatar that takes that
   * person's place, or null to leave the person out (no slot). Absent: face i gets avatar i.
   */
  assignments?: Array<number | null>;
}
