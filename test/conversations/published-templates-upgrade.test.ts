import request from 'supertest';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ TERMS_VERSION: '2026-11' });
});
afterAll(async () => {
  await platform.close();
});

/**
 * A brand that published its own privacy wording before an upgrade added a template to that file
 * (`privacy.notice-promotions-stopped`): the version in the database lacks it. It was valid when it went live.
 */
async function publishedBeforeTheUpgrade(): Promise<void> {
  const { contentVersions } = platform.repositories;
  const notice = (text: string, stop: string) => `privacy.notice:\n  text: "${text}"\n  choices:\n    - { label: "${stop}", intent: marketing-opt-out }\n`;
  await contentVersions.publish(
    'template',
    'privacy',
    {
      contentFor: () => ({ en: notice('Our brand keeps your data safe.', 'No more offers'), 'zh-TW': notice('我們會好好保護你的資料。', '不要優惠') }),
      after: 0,
      source: 'draft',
      fromVersion: null,
    },
    'marketer',
    platform.clock.now().toJSDate(),
  );
  // And a flow of the brand's own, which must not be lost with the templates.
  const greeting = "id: greeting\nversion: 1\ntrigger: { keywords: { en: [hello there], zh-TW: [哈囉] } }\nstart: hi\nsteps:\n  hi: { kind: end, template: greeting.hi }\n";
  await contentVersions.publish('flow', 'greeting', { contentFor: () => greeting, after: 0, source: 'draft', fromVersion: null }, 'marketer', platform.clock.now().toJSDate());
  const hi = { en: 'greeting.hi:\n  text: Hi from the brand\n', 'zh-TW': 'greeting.hi:\n  text: 品牌說嗨\n' };
  await contentVersions.publish('template', 'greeting', { contentFor: () => hi, after: 0, source: 'draft', fromVersion: null }, 'marketer', platform.clock.now().toJSDate());
  await contentVersions.bumpCatalogRevision(platform.clock.now().toJSDate());
  await platform.liveCatalog.refresh();
}

describe('a template file published before an upgrade added a template to it', () => {
  it("keeps the brand's wording and flows, says the new template in the shipped wording, and edits start with it", async () => {
    await publishedBeforeTheUpgrade();
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy Chen');

    await chat.says('privacy');
    expect(chat.replyTexts()).toEqual(['Our brand keeps your data safe.']);
    expect(chat.choiceLabels()).toEqual(['No more offers']);
    await chat.says('hello there');
    expect(chat.replyTexts()).toEqual(['Hi from the brand']);

    await chat.says('stop promotions');
    await chat.says('privacy');
    expect(chat.replyTexts()[0]).toMatch(/^🔒 Privacy notice/);
    expect(chat.choiceLabels()).toContain('Resume promotions');

    // The console shows the file as the chats have it, so an edit starts with the new template and saves.
    const marketer = { Authorization: `Bearer ${testAdminTokens.marketer}` };
    const live = (await request(platform.app).get('/admin/api/templates/privacy').set(marketer)).body.live;
    expect(live.version).toBe(1);
    expect(live.content.en).toMatch(/^privacy\.notice:\n {2}text: "Our brand keeps your data safe\."/);
    expect(live.content.en).toContain('privacy.notice-promotions-stopped:');
    const edited = { en: live.content.en.replace('keeps your data safe', 'guards your data'), 'zh-TW': live.content['zh-TW'] };
    expect((await request(platform.app).put('/admin/api/templates/privacy').set(marketer).send({ content: edited })).status).toBe(200);
  });
});
