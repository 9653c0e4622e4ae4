import { configVariableNames, loadConfig } from '../../src/config';

describe('loadConfig()', () => {
  it('applies the CONTRACT defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      LOYALTY_TIMEZONE: 'Asia/Taipei',
      DEFAULT_LOCALE: 'zh-TW',
      LINE_API_BASE_URL: 'https://api.line.me',
      MESSENGER_API_BASE_URL: 'https://graph.facebook.com',
      MESSENGER_API_VERSION: 'v25.0',
      TIER_RECALC_CRON: '0 3 * * *',
      POINTS_EXPIRY_CRON: '30 3 * * *',
      LEADERBOARD_SNAPSHOT_CRON: '*/10 * * * *',
      REFERRAL_BONUS_POINTS: 0,
      lineEnabled: false,
      messengerEnabled: false,
      botFrameworkEnabled: false,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected'],
    [{ LOYALTY_TIMEZONE: 'Taipei' }, 'LOYALTY_TIMEZONE: expected an IANA time zone such as Asia/Taipei'],
    [{ DEFAULT_LOCALE: 'fr' }, 'DEFAULT_LOCALE: expected'],
    [{ MONGODB_URI: 'localhost:27017' }, 'MONGODB_URI: expected a connection string starting with mongodb://'],
    [{ LINE_API_BASE_URL: 'api.line.me' }, 'LINE_API_BASE_URL: expected an http(s) URL'],
    [{ ADMIN_TOKENS: 'root:short' }, 'ADMIN_TOKENS: expected comma-separated role:token pairs'],
    [{ LINE_CHANNEL_SECRET: 'secret' }, 'LINE_CHANNEL_ACCESS_TOKEN: expected a value, because LINE_CHANNEL_SECRET is set'],
  ])('stops on %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('turns a channel on when all its credentials are set', () => {
    const config = loadConfig({ LINE_CHANNEL_SECRET: 's', LINE_CHANNEL_ACCESS_TOKEN: 't', LINE_API_BASE_URL: 'http://127.0.0.1:4010/' });
    expect(config).toMatchObject({ lineEnabled: true, LINE_API_BASE_URL: 'http://127.0.0.1:4010' });
  });
});

describe('.env.example', () => {
  it('lists every variable the server reads, and loads as it is', () => {
    const { parseEnv } = require('node:util') as { parseEnv(content: string): Record<string, string> };
    const example = parseEnv(require('node:fs').readFileSync('.env.example', 'utf8'));
    const config = loadConfig(example);
    expect(configVariableNames.filter((key) => !(key in example))).toEqual([]);
    expect(config.PORT).toBe(3000);
  });
});
