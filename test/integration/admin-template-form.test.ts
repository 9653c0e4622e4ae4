import request from 'supertest';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());

const marketer = { Authorization: `Bearer ${testAdminTokens.marketer}` };
const newWording = '🌟 簽到完成！+{points} 點，目前共 {balance} 點。';

describe("the console's wording form saves through PUT /admin/api/templates/:id { entries }", () => {
  it('changes only the edited value: comments, quoting and one-line lists stay, so the diff is the wording alone', async () => {
    const before = await request(platform.app).get('/admin/api/templates/checkin').set(marketer).expect(200);
    const entries = structuredClone(before.body.entries);
    entries['checkin.awarded']['zh-TW'].text = newWording;

    await request(platform.app).put('/admin/api/templates/checkin').set(marketer).send({ entries }).expect(200);

    const after = await request(platform.app).get('/admin/api/templates/checkin').set(marketer).expect(200);
    const live = before.body.live.content;
    expect(after.body.draft.content.en).toBe(live.en);
    expect(after.body.draft.content['zh-TW']).toBe(live['zh-TW'].replace(/ {2}text: "✅ 簽到成功！[^\n]*"/, `  text: "${newWording}"`));
    expect(after.body.entries['checkin.awarded']['zh-TW'].text).toBe(newWording);
    const diff = await request(platform.app).get('/admin/api/templates/checkin/diff?from=live&to=draft').set(marketer).expect(200);
    const changed = (diff.body.diff as string).split('\n').filter((line) => /^[+-](?![+-]{2})/.test(line));
    expect(changed).toEqual([expect.stringMatching(/^- {2}text: "✅ 簽到成功！/), `+  text: "${newWording}"`]);
  });

  it('takes structural changes too: a removed button is gone, the earlier wording change and the comments stay', async () => {
    const before = await request(platform.app).get('/admin/api/templates/checkin').set(marketer).expect(200);
    const entries = structuredClone(before.body.entries);
    entries['checkin.already'].en.choices = entries['checkin.already'].en.choices.slice(0, 1);

    await request(platform.app).put('/admin/api/templates/checkin').set(marketer).send({ entries }).expect(200);

    const after = await request(platform.app).get('/admin/api/templates/checkin').set(marketer).expect(200);
    expect(after.body.entries['checkin.already'].en.choices).toEqual([{ label: 'My card', intent: 'card' }]);
    expect(after.body.entries['checkin.awarded']['zh-TW'].text).toBe(newWording);
    expect(after.body.draft.content.en).toContain('# yaml-language-server');
  });
});
