import { access } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`), which `.ci/run` installs; CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium is not installed where it is looked for: says what to install. */
export class ChromiumMissingError extends Error {
  constructor() {
    super(
      `Chromium is not installed at ${CHROMIUM_PATH}: install it with 'sudo apt-get install -y chromium' ` +
        '(Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary',
    );
    this.name = 'ChromiumMissingError';
  }
}

/** A headless Chromium driven by playwright-core, which downloads no browser of its own. */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM_PATH);
  } catch {
    throw new ChromiumMissingError();
  }
  // The sandbox needs user namespaces, which containers (and CI running as root) often lack.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
}
