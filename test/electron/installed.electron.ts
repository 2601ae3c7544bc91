// The installed app (npm run test:electron -- --installed <executable>), as CI runs it once after
// installing from the installer it built: the first-start scenario, shared with the harness suite.
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { firstStart } from '../e2e/scenarios';
import { launchDesktopApp, type DesktopApp } from './desktopApp';

let desktop: DesktopApp;
beforeAll(async () => {
  desktop = await launchDesktopApp(inject('electronTarget'));
});
afterAll(async () => {
  await desktop?.close();
});

describe('installed app', () => {
  it('first start', () => firstStart(desktop.app));
});
