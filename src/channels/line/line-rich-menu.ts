/**
 * The default LINE rich menu: six buttons in a 3 × 2 grid over assets/line-rich-menu.png, each a
 * postback carrying a CONTRACT.md chat intent. Pure: `npm run line:richmenu` uploads it, the unit test
 * checks it against LINE's limits (PLATFORMS.md 1.6, 1.7).
 */

export interface RichMenuSize {
  width: number;
  height: number;
}

export interface RichMenuButton {
  intent: 'checkin' | 'card' | 'rewards' | 'collect' | 'history' | 'help';
  label: string;
}

export interface RichMenuPostbackArea {
  bounds: { x: number; y: number; width: number; height: number };
  action: { type: 'postback'; label: string; data: string; displayText: string };
}

export interface RichMenuDefinition {
  size: RichMenuSize;
  selected: boolean;
  name: string;
  chatBarText: string;
  areas: RichMenuPostbackArea[];
}

/** The image is rendered at exactly this size (scripts/render-rich-menu-image.ts); LINE requires the two to match. */
export const richMenuImageSize: RichMenuSize = { width: 2500, height: 843 };

/** Reading order, row by row, as drawn in assets/line-rich-menu.html. */
export const richMenuButtons: readonly RichMenuButton[] = [
  { intent: 'checkin', label: '每日簽到' },
  { intent: 'card', label: '會員卡' },
  { intent: 'rewards', label: '兌換禮物' },
  { intent: 'collect', label: '集點' },
  { intent: 'history', label: '點數紀錄' },
  { intent: 'help', label: '說明' },
];

const columns = 3;

export function defaultRichMenu(
  size: RichMenuSize = richMenuImageSize,
  buttons: readonly RichMenuButton[] = richMenuButtons,
): RichMenuDefinition {
  const rows = Math.ceil(buttons.length / columns);
  return {
    size: { ...size },
    // Open on entering the chat: the menu is how most members find check-in and their card.
    selected: true,
    name: 'loyalty-default',
    chatBarText: '會員選單',
    areas: buttons.map((button, index) => ({
      bounds: cellBounds(size, rows, Math.floor(index / columns), index % columns),
      action: { type: 'postback', label: button.label, data: `intent=${button.intent}`, displayText: button.label },
    })),
  };
}

// Edges are rounded from the exact fractions, so cells tile the image with no gap or overlap (2500 / 3).
function cellBounds(size: RichMenuSize, rows: number, row: number, column: number): RichMenuPostbackArea['bounds'] {
  const left = Math.round((column * size.width) / columns);
  const right = Math.round(((column + 1) * size.width) / columns);
  const top = Math.round((row * size.height) / rows);
  const bottom = Math.round(((row + 1) * size.height) / rows);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** LINE ref #rich-menu-object, #upload-rich-menu-image; PLATFORMS.md 1.6, 1.7. */
export const richMenuLimits = {
  minImageWidth: 800,
  maxImageWidth: 2500,
  minImageHeight: 250,
  minAspectRatio: 1.45,
  maxImageBytes: 1024 * 1024,
  maxAreas: 20,
  maxNameLength: 300,
  maxChatBarTextLength: 14,
  maxActionLabelLength: 20,
  maxPostbackDataLength: 300,
  maxDisplayTextLength: 300,
} as const;

export interface RichMenuImage {
  width: number;
  height: number;
  bytes: number;
}

/** Everything LINE would reject in this menu and image, as messages that say what to fix; empty when valid. */
export function richMenuProblems(menu: RichMenuDefinition, image: RichMenuImage): string[] {
  const limits = richMenuLimits;
  const problems: string[] = [];
  if (image.width < limits.minImageWidth || image.width > limits.maxImageWidth) {
    problems.push(`image width ${image.width} px must be ${limits.minImageWidth}–${limits.maxImageWidth} px`);
  }
  if (image.height < limits.minImageHeight) problems.push(`image height ${image.height} px must be at least ${limits.minImageHeight} px`);
  if (image.width / image.height < limits.minAspectRatio) {
    problems.push(`image width/height ${(image.width / image.height).toFixed(3)} must be at least ${limits.minAspectRatio}`);
  }
  if (image.bytes > limits.maxImageBytes) problems.push(`image is ${image.bytes} bytes; LINE accepts at most ${limits.maxImageBytes} (1 MB)`);
  if (menu.size.width !== image.width || menu.size.height !== image.height) {
    problems.push(`menu size ${menu.size.width}×${menu.size.height} must equal the image's ${image.width}×${image.height}`);
  }
  if (menu.name.length === 0 || menu.name.length > limits.maxNameLength) problems.push(`name must be 1–${limits.maxNameLength} characters`);
  if (menu.chatBarText.length === 0 || menu.chatBarText.length > limits.maxChatBarTextLength) {
    problems.push(`chatBarText must be 1–${limits.maxChatBarTextLength} characters`);
  }
  if (menu.areas.length === 0 || menu.areas.length > limits.maxAreas) problems.push(`a rich menu has 1–${limits.maxAreas} tap areas, not ${menu.areas.length}`);
  menu.areas.forEach(({ bounds, action }, index) => {
    const where = `area ${index + 1} (${action.label})`;
    const { x, y, width, height } = bounds;
    if (![x, y, width, height].every(Number.isInteger) || x < 0 || y < 0 || width <= 0 || height <= 0) {
      problems.push(`${where}: bounds must be non-negative integers with a positive width and height`);
    } else if (x + width > menu.size.width || y + height > menu.size.height) {
      problems.push(`${where}: bounds ${x},${y} ${width}×${height} reach outside the ${menu.size.width}×${menu.size.height} menu`);
    }
    if (action.label.length === 0 || action.label.length > limits.maxActionLabelLength) problems.push(`${where}: label must be 1–${limits.maxActionLabelLength} characters`);
    if (action.data.length === 0 || action.data.length > limits.maxPostbackDataLength) problems.push(`${where}: postback data must be 1–${limits.maxPostbackDataLength} characters`);
    if (action.displayText.length > limits.maxDisplayTextLength) problems.push(`${where}: displayText must be at most ${limits.maxDisplayTextLength} characters`);
  });
  return problems;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk (always the first, right after the 8-byte signature; PNG spec 5.3, 11.2.2). */
export function pngSizeOf(png: Buffer): RichMenuSize {
  if (png.length < 24 || !png.subarray(0, 8).equals(pngSignature) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('Not a PNG file (no PNG signature and IHDR chunk): re-render it with scripts/render-rich-menu-image.ts');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
