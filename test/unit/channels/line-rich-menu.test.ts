import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  defaultRichMenu,
  pngSizeOf,
  richMenuButtons,
  richMenuImageSize,
  richMenuLimits,
  richMenuProblems,
  type RichMenuDefinition,
} from '../../../src/channels/line/line-rich-menu';

const shippedImagePath = path.join(__dirname, '..', '..', '..', 'assets', 'line-rich-menu.png');

function areaCovering(menu: RichMenuDefinition, x: number, y: number) {
  return menu.areas.filter(({ bounds }) => x >= bounds.x && x < bounds.x + bounds.width && y >= bounds.y && y < bounds.y + bounds.height);
}

describe('defaultRichMenu', () => {
  const menu = defaultRichMenu();

  it('is the 2500×843 member menu, open by default, labelled 會員選單 in the chat bar', () => {
    expect(menu).toMatchObject({ size: { width: 2500, height: 843 }, selected: true, chatBarText: '會員選單', name: expect.any(String) });
  });

  it.each([
    [0, '每日簽到', 'intent=checkin', { x: 0, y: 0, width: 833, height: 422 }],
    [1, '會員卡', 'intent=card', { x: 833, y: 0, width: 834, height: 422 }],
    [2, '兌換禮物', 'intent=rewards', { x: 1667, y: 0, width: 833, height: 422 }],
    [3, '集點', 'intent=collect', { x: 0, y: 422, width: 833, height: 421 }],
    [4, '點數紀錄', 'intent=history', { x: 833, y: 422, width: 834, height: 421 }],
    [5, '說明', 'intent=help', { x: 1667, y: 422, width: 833, height: 421 }],
  ])('area %i is %s, a postback with %s shown as the label', (index, label, data, bounds) => {
    expect(menu.areas[index]).toEqual({ bounds, action: { type: 'postback', label, data, displayText: label } });
  });

  it('tiles the whole image: every pixel is in exactly one area', () => {
    const xs = [0, 832, 833, 1666, 1667, 2499];
    const ys = [0, 421, 422, 842];
    for (const x of xs) for (const y of ys) expect(areaCovering(menu, x, y)).toHaveLength(1);
    const covered = menu.areas.reduce((sum, { bounds }) => sum + bounds.width * bounds.height, 0);
    expect(covered).toBe(menu.size.width * menu.size.height);
  });

  it('uses only the chat intents of CONTRACT.md', () => {
    expect(richMenuButtons.map((button) => button.intent)).toEqual(['checkin', 'card', 'rewards', 'collect', 'history', 'help']);
  });

  it('keeps the grid inside any image size it is given', () => {
    const smaller = defaultRichMenu({ width: 1200, height: 405 });

    expect(richMenuProblems(smaller, { width: 1200, height: 405, bytes: 1000 })).toEqual([]);
    expect(smaller.areas.at(-1)?.bounds).toEqual({ x: 800, y: 203, width: 400, height: 202 });
  });
});

describe('the shipped image assets/line-rich-menu.png', () => {
  const png = readFileSync(shippedImagePath);
  const size = pngSizeOf(png);

  it('is a PNG of exactly the menu size, read from its IHDR', () => {
    expect(size).toEqual(richMenuImageSize);
  });

  it('is within LINE limits: 800–2500 px wide, ≥ 250 px high, width/height ≥ 1.45, ≤ 1 MB', () => {
    expect(size.width).toBeGreaterThanOrEqual(800);
    expect(size.width).toBeLessThanOrEqual(2500);
    expect(size.height).toBeGreaterThanOrEqual(250);
    expect(size.width / size.height).toBeGreaterThanOrEqual(1.45);
    expect(png.length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('passes every rich menu check with the default menu', () => {
    expect(richMenuProblems(defaultRichMenu(size), { ...size, bytes: png.length })).toEqual([]);
  });
});

describe('richMenuProblems', () => {
  const image = { ...richMenuImageSize, bytes: 200_000 };

  function withArea(change: (menu: RichMenuDefinition) => void): RichMenuDefinition {
    const menu = defaultRichMenu();
    change(menu);
    return menu;
  }

  it.each([
    ['an image 2501 px wide', defaultRichMenu({ width: 2501, height: 843 }), { width: 2501, height: 843, bytes: 1 }, /width 2501 px/],
    ['an image 799 px wide', defaultRichMenu({ width: 799, height: 250 }), { width: 799, height: 250, bytes: 1 }, /width 799 px/],
    ['an image 249 px high', defaultRichMenu({ width: 800, height: 249 }), { width: 800, height: 249, bytes: 1 }, /height 249 px/],
    ['a ratio under 1.45', defaultRichMenu({ width: 2500, height: 1725 }), { width: 2500, height: 1725, bytes: 1 }, /width\/height 1\.449/],
    ['an image over 1 MB', defaultRichMenu(), { ...image, bytes: richMenuLimits.maxImageBytes + 1 }, /1 MB/],
    ['a menu size unlike the image', defaultRichMenu({ width: 2500, height: 1686 }), image, /must equal the image/],
    ['21 areas', withArea((menu) => menu.areas.push(...Array.from({ length: 15 }, () => menu.areas[0]!))), image, /1–20 tap areas, not 21/],
    ['an area past the right edge', withArea((menu) => (menu.areas[2]!.bounds.width = 834)), image, /outside/],
    ['an area past the bottom', withArea((menu) => (menu.areas[5]!.bounds.y = 423)), image, /outside/],
    ['a negative offset', withArea((menu) => (menu.areas[0]!.bounds.x = -1)), image, /non-negative integers/],
    ['postback data over 300 characters', withArea((menu) => (menu.areas[0]!.action.data = `intent=help&x=${'a'.repeat(287)}`)), image, /postback data/],
    ['a chat bar text over 14 characters', withArea((menu) => (menu.chatBarText = '會員選單會員選單會員選單會員選')), image, /chatBarText/],
  ])('reports %s', (_name, menu, size, problem) => {
    expect(richMenuProblems(menu, size)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('accepts postback data of exactly 300 characters', () => {
    const menu = withArea((changed) => (changed.areas[0]!.action.data = `intent=help&x=${'a'.repeat(286)}`));

    expect(menu.areas[0]!.action.data).toHaveLength(300);
    expect(richMenuProblems(menu, image)).toEqual([]);
  });
});

describe('pngSizeOf', () => {
  it('rejects a file that is not a PNG', () => {
    expect(() => pngSizeOf(Buffer.from('GIF89a not a png at all, long enough'))).toThrow(/render-rich-menu-image/);
  });
});
