import pino from 'pino';
import { MessengerClient } from '../src/channels/messenger/messenger-client';
import { ConfigError, loadConfig, type Config } from '../src/config';

// Persistent-menu labels (≤ 30 characters, PLATFORMS.md 2.6); the payloads are the intents of CONTRACT.md.
const menuItems = [
  { intent: 'checkin', labels: { en: 'Check in', 'zh-TW': '每日簽到' } },
  { intent: 'card', labels: { en: 'My card', 'zh-TW': '會員卡' } },
  { intent: 'rewards', labels: { en: 'Rewards', 'zh-TW': '兌換獎品' } },
  { intent: 'history', labels: { en: 'Points history', 'zh-TW': '點數紀錄' } },
  { intent: 'help', labels: { en: 'Help', 'zh-TW': '使用說明' } },
] as const;

type MenuLocale = keyof (typeof menuItems)[number]['labels'];

function menuFor(locale: string, labelsIn: MenuLocale) {
  return {
    locale,
    composer_input_disabled: false,
    call_to_actions: menuItems.map((item) => ({ type: 'postback', title: item.labels[labelsIn], payload: `intent=${item.intent}` })),
  };
}

/** The Page's Messenger profile: Get Started must exist before a persistent menu is accepted (PLATFORMS.md 2.6). */
export function messengerProfileFor(config: Pick<Config, 'DEFAULT_LOCALE'>) {
  return {
    get_started: { payload: 'intent=signup' },
    // Meta requires a "default" entry; it speaks the programme's default language, zh_TW always Chinese.
    persistent_menu: [menuFor('default', config.DEFAULT_LOCALE), menuFor('zh_TW', 'zh-TW')],
  };
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    return 1;
  }
  if (!config.messengerEnabled) {
    console.error(
      'Messenger is not configured: set MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN and MESSENGER_VERIFY_TOKEN (see .env.example), then run npm run messenger:setup again.',
    );
    return 1;
  }
  const client = new MessengerClient({ config, logger: pino({ level: 'silent' }) });
  const profile = messengerProfileFor(config);
  const outcome = await client.setMessengerProfile(profile);
  if (outcome.kind === 'failed') {
    const trace = outcome.error?.fbtraceId === undefined ? '' : ` (fbtrace_id ${outcome.error.fbtraceId})`;
    console.error(`Could not set the Messenger profile: ${outcome.reason}${trace}. Check MESSENGER_PAGE_ACCESS_TOKEN and the Page's permissions.`);
    return 1;
  }
  console.log(`Messenger profile set on ${config.MESSENGER_API_BASE_URL}/${config.MESSENGER_API_VERSION}/me/messenger_profile:`);
  console.log(`  Get Started → ${profile.get_started.payload}`);
  for (const menu of profile.persistent_menu) {
    console.log(`  persistent menu (${menu.locale}): ${menu.call_to_actions.map((item) => `${item.title} → ${item.payload}`).join(', ')}`);
  }
  return 0;
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
