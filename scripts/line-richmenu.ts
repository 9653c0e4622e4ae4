import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { LineClient } from '../src/channels/line/line-client';
import { defaultRichMenu, pngSizeOf, richMenuProblems } from '../src/channels/line/line-rich-menu';
import { ConfigError, loadConfig, type Config } from '../src/config';

/** Re-render with scripts/render-rich-menu-image.ts after editing assets/line-rich-menu.html. */
export const richMenuImagePath = path.join(__dirname, '..', 'assets', 'line-rich-menu.png');

export interface RichMenuSetupOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Creates the default rich menu (six intents over assets/line-rich-menu.png), uploads its image and makes it
 * every user's default (PLATFORMS.md 1.7). Each run creates a new menu: LINE allows 1,000 per account and
 * 100 creations an hour, so delete old ones in the LINE Official Account Manager now and then.
 */
export async function setUpLineRichMenu(
  config: Pick<Config, 'lineEnabled' | 'LINE_CHANNEL_ACCESS_TOKEN' | 'LINE_API_BASE_URL'>,
  output: RichMenuSetupOutput,
  imagePath = richMenuImagePath,
): Promise<number> {
  if (!config.lineEnabled || config.LINE_CHANNEL_ACCESS_TOKEN === undefined) {
    output.error(
      'LINE is not configured: set LINE_CHANNEL_ACCESS_TOKEN and LINE_CHANNEL_SECRET (see .env.example), then run npm run line:richmenu again.',
    );
    return 1;
  }
  let png: Buffer;
  try {
    png = readFileSync(imagePath);
  } catch (error) {
    output.error(`Could not read the rich menu image ${imagePath} (${String(error)}): render it with npx tsx scripts/render-rich-menu-image.ts.`);
    return 1;
  }
  let imageSize: ReturnType<typeof pngSizeOf>;
  try {
    imageSize = pngSizeOf(png);
  } catch (error) {
    output.error(`${imagePath}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const menu = defaultRichMenu(imageSize);
  const problems = richMenuProblems(menu, { ...imageSize, bytes: png.length });
  if (problems.length > 0) {
    output.error(`LINE would reject this rich menu:\n  ${problems.join('\n  ')}`);
    return 1;
  }

  const client = new LineClient({ config: { ...config, LINE_CHANNEL_ACCESS_TOKEN: config.LINE_CHANNEL_ACCESS_TOKEN }, logger: pino({ level: 'silent' }) });
  const outcome = await client.publishDefaultRichMenu(menu, png);
  if (outcome.kind === 'failed') {
    const menuId = outcome.richMenuId === undefined ? '' : ` (rich menu ${outcome.richMenuId} was created; delete it or run again)`;
    const requestId = outcome.requestId === undefined ? '' : ` [x-line-request-id ${outcome.requestId}]`;
    output.error(
      `Could not ${stepDescriptions[outcome.step]}: ${outcome.reason}${requestId}${menuId}. Check LINE_CHANNEL_ACCESS_TOKEN and LINE_API_BASE_URL.`,
    );
    return 1;
  }
  output.log(`Default LINE rich menu set on ${config.LINE_API_BASE_URL}: "${menu.chatBarText}" (${imageSize.width}×${imageSize.height}, ${png.length} bytes)`);
  for (const area of menu.areas) output.log(`  ${area.action.label} → ${area.action.data}`);
  output.log(`Rich menu id: ${outcome.richMenuId}`);
  return 0;
}

const stepDescriptions = {
  create: 'create the rich menu',
  uploadImage: 'upload the rich menu image',
  setDefault: 'set the rich menu as the default',
} as const;

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    return 1;
  }
  return setUpLineRichMenu(config, { log: (line) => console.log(line), error: (line) => console.error(line) });
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
