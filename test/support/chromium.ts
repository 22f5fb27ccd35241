import { chromium, type Browser } from 'playwright-core';

/**
 * Flags for Debian's headless Chromium here: no sandbox (tests run as root), and none of the background
 * network calls that a closed network refuses many at a time.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts the system Chromium (`apt-get install chromium`); no browser is downloaded. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}
