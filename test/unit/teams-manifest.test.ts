import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { afterAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_BOT_ID, buildTeamsPackage, manifestDir, readManifest, validateManifest } from '../../scripts/teams-package.js';
import type { TeamsManifest } from '../../scripts/teams-package.js';

/** Width, height, colour type and RGBA pixels of a PNG written with filter 0 (as our icons are). */
function decodePng(buf: Buffer) {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.subarray(offset + 4, offset + 8).toString('latin1');
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colorType = data[9] ?? 0;
    }
    if (type === 'IDAT') idat.push(data);
    offset += length + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: [number, number, number, number][] = [];
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    expect(raw[row]).toBe(0);
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 4;
      pixels.push([raw[o] ?? 0, raw[o + 1] ?? 0, raw[o + 2] ?? 0, raw[o + 3] ?? 0]);
    }
  }
  return { width, height, colorType, pixels };
}

describe('Teams app manifest and package', () => {
  const manifest = readManifest();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-teams-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates against the official schema shipped in @microsoft/app-manifest', async () => {
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(Number(manifest.manifestVersion.split('.')[1])).toBeGreaterThanOrEqual(22);
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('is really checked: a broken manifest is refused', async () => {
    const broken = structuredClone(manifest) as TeamsManifest;
    broken.bots[0]!.botId = 'not-a-guid';
    broken.bots[0]!.scopes = ['everywhere'];
    broken.icons = { color: 'color.png' } as TeamsManifest['icons'];
    const problems = await validateManifest(broken);
    expect(problems.join('\n')).toMatch(/botId/);
    expect(problems.join('\n')).toMatch(/scopes/);
    expect(problems.join('\n')).toMatch(/outline/);
  });

  it('declares one bot in personal, team and groupChat scopes, with a placeholder id', () => {
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]!.botId).toBe(PLACEHOLDER_BOT_ID);
    expect([...manifest.bots[0]!.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);
    const scoped = manifest.bots[0]!.commandLists!.flatMap((l) => l.scopes).sort();
    expect(scoped).toEqual(['groupChat', 'personal', 'team']);
  });

  it('ships a 192×192 colour icon and a 32×32 white-on-transparent outline icon', () => {
    const color = decodePng(readFileSync(new URL(manifest.icons.color, manifestDir)));
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    expect(color.pixels.every((p) => p[3] === 255)).toBe(true);
    const outline = decodePng(readFileSync(new URL(manifest.icons.outline, manifestDir)));
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    expect(outline.pixels.every(([r, g, b, a]) => a === 0 || (r === 255 && g === 255 && b === 255))).toBe(true);
    expect(outline.pixels.some((p) => p[3] === 0)).toBe(true);
    expect(outline.pixels.some((p) => p[3] === 255)).toBe(true);
  });

  it('packages manifest.json and both icons at the root of the zip, with the app id and public host', async () => {
    const appId = '2f9c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const { file, warnings } = await buildTeamsPackage({ appId, publicUrl: 'https://tandem.acme.example/', outFile: join(dir, 'app.zip') });
    expect(warnings).toEqual([]);
    const zip = new AdmZip(file);
    expect(zip.getEntries().map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packed = JSON.parse(zip.readAsText('manifest.json')) as TeamsManifest;
    expect(packed.bots[0]!.botId).toBe(appId);
    expect(packed.validDomains).toContain('tandem.acme.example');
    expect(await validateManifest(packed)).toEqual([]);
    expect(zip.readFile('color.png')).toEqual(readFileSync(new URL('color.png', manifestDir)));
  });

  it('keeps the placeholder with a warning without an app id, and refuses an app id that is not a GUID', async () => {
    const { file, warnings } = await buildTeamsPackage({ outFile: join(dir, 'open.zip') });
    expect(warnings.join(' ')).toContain('MICROSOFT_APP_ID');
    expect((JSON.parse(new AdmZip(file).readAsText('manifest.json')) as TeamsManifest).bots[0]!.botId).toBe(PLACEHOLDER_BOT_ID);
    await expect(buildTeamsPackage({ appId: 'my-bot', outFile: join(dir, 'bad.zip') })).rejects.toThrow(/GUID/);
  });
});
