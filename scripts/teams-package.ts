/**
 * `npm run teams:package`: builds the Teams app package build/tandem-teams.zip
 * (manifest.json, color.png, outline.png at the root of the zip, as Teams
 * expects) from manifests/teams/.
 *
 * The bot id is MICROSOFT_APP_ID when set; otherwise the manifest's clearly
 * fake placeholder 00000000-0000-0000-0000-000000000000 stays, with a warning
 * (fine for the Bot Framework Emulator, not for a real tenant). PUBLIC_URL's
 * host is added to validDomains. The manifest is validated against the
 * official schema shipped in @microsoft/app-manifest before anything is written.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppManifestUtils } from '@microsoft/app-manifest';
import AdmZip from 'adm-zip';

export const PLACEHOLDER_BOT_ID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

const root = new URL('../', import.meta.url);
export const manifestDir = new URL('manifests/teams/', root);

export interface TeamsManifest {
  $schema: string;
  manifestVersion: string;
  id: string;
  icons: { color: string; outline: string };
  bots: { botId: string; scopes: string[]; commandLists?: { scopes: string[]; commands: { title: string; description?: string }[] }[] }[];
  validDomains?: string[];
  [key: string]: unknown;
}

export function readManifest(): TeamsManifest {
  return JSON.parse(readFileSync(new URL('manifest.json', manifestDir), 'utf8')) as TeamsManifest;
}

/** The official JSON schema of the manifest's version, as shipped in @microsoft/app-manifest (no network). */
export function shippedSchema(manifestVersion: string): Record<string, unknown> {
  const pkg = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  const file = new URL(`build/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`, pathToFileURL(pkg));
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Schema violations of a manifest, one line each; empty when valid. */
export async function validateManifest(manifest: TeamsManifest): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(manifest as unknown as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0], shippedSchema(manifest.manifestVersion) as never);
}

export interface PackageOptions {
  appId?: string | undefined;
  publicUrl?: string | undefined;
  outFile: string;
}

export async function buildTeamsPackage(opts: PackageOptions): Promise<{ file: string; manifest: TeamsManifest; warnings: string[] }> {
  const manifest = readManifest();
  const warnings: string[] = [];
  const bot = manifest.bots[0];
  if (!bot) throw new Error('manifests/teams/manifest.json declares no bot');
  if (opts.appId) {
    if (!GUID.test(opts.appId)) throw new Error(`MICROSOFT_APP_ID must be a GUID like 2f9c…-…, got "${opts.appId}"`);
    bot.botId = opts.appId;
  } else {
    warnings.push(`MICROSOFT_APP_ID is not set: the package carries the placeholder bot id ${PLACEHOLDER_BOT_ID}, which only the Bot Framework Emulator accepts`);
  }
  if (opts.publicUrl) {
    const host = new URL(opts.publicUrl).host;
    manifest.validDomains = [...new Set([...(manifest.validDomains ?? []), host])];
  }
  const problems = await validateManifest(manifest);
  if (problems.length > 0) throw new Error(`The Teams manifest does not match its schema:\n  ${problems.join('\n  ')}`);

  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  zip.addFile(manifest.icons.color, readFileSync(new URL(manifest.icons.color, manifestDir)));
  zip.addFile(manifest.icons.outline, readFileSync(new URL(manifest.icons.outline, manifestDir)));
  mkdirSync(dirname(opts.outFile), { recursive: true });
  zip.writeZip(opts.outFile);
  return { file: opts.outFile, manifest, warnings };
}

async function main(): Promise<void> {
  const outFile = fileURLToPath(new URL('build/tandem-teams.zip', root));
  const { file, warnings } = await buildTeamsPackage({ appId: process.env.MICROSOFT_APP_ID || undefined, publicUrl: process.env.PUBLIC_URL || undefined, outFile });
  for (const w of warnings) process.stderr.write(`teams:package: warning: ${w}\n`);
  process.stdout.write(`teams:package: wrote ${file}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`teams:package: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
