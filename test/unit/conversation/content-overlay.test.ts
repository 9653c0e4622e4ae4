import { latestLayers, overlayContent, withFlowVersion } from '../../../src/conversation/content-overlay';
import type { PublishedVersion } from '../../../src/conversation/content-version-repository';
import type { CatalogSources } from '../../../src/conversation/flow-files';

const shipped: CatalogSources = {
  flows: [{ id: 'help', file: 'flows/help.yaml', text: 'id: help\nversion: 1\n' }],
  templates: {
    'zh-TW': [{ id: 'common', file: 'templates/zh-TW/common.yaml', text: 'zh: shipped\n' }],
    en: [{ id: 'common', file: 'templates/en/common.yaml', text: 'en: shipped\n' }],
  },
};

function published(kind: 'flow' | 'template', resourceId: string, version: number, content: PublishedVersion['content']): PublishedVersion {
  return { kind, resourceId, version, content, publishedAt: new Date(0), publishedBy: 'test', source: 'draft', fromVersion: null };
}

describe('withFlowVersion', () => {
  it('sets the version and keeps comments and layout', () => {
    const text = '# the help flow\nid: help\nversion: 1 # bumped on publish\nstart: show-help\n';

    expect(withFlowVersion(text, 7)).toBe('# the help flow\nid: help\nversion: 7 # bumped on publish\nstart: show-help\n');
  });

  it('leaves text that is not a YAML map alone', () => {
    expect(withFlowVersion('- a list', 2)).toBe('- a list');
  });
});

describe('latestLayers', () => {
  it('keeps the newest version of each resource', () => {
    const layers = latestLayers([
      published('flow', 'help', 3, 'v3'),
      published('flow', 'help', 2, 'v2'),
      published('template', 'help', 1, { en: 'en', 'zh-TW': 'zh' }),
    ]);

    expect(layers).toEqual([
      { kind: 'flow', resourceId: 'help', content: 'v3', label: 'version 3' },
      { kind: 'template', resourceId: 'help', content: { en: 'en', 'zh-TW': 'zh' }, label: 'version 1' },
    ]);
  });
});

describe('overlayContent', () => {
  it('replaces shipped files by id and adds new ones, naming where each text came from', () => {
    const sources = overlayContent(shipped, [
      { kind: 'template', resourceId: 'common', content: { en: 'en: draft\n', 'zh-TW': 'zh: draft\n' }, label: 'draft' },
      { kind: 'flow', resourceId: 'promo', content: 'id: promo\n', label: 'version 1' },
    ]);

    expect(sources.templates.en).toEqual([{ id: 'common', file: 'templates/en/common.yaml (draft)', text: 'en: draft\n' }]);
    expect(sources.templates['zh-TW']).toEqual([{ id: 'common', file: 'templates/zh-TW/common.yaml (draft)', text: 'zh: draft\n' }]);
    expect(sources.flows.map((flow) => flow.file)).toEqual(['flows/help.yaml', 'flows/promo.yaml (version 1)']);
    expect(shipped.templates.en[0]?.text).toBe('en: shipped\n');
  });

  it('keeps, template by template, what a template file leaves out from the file underneath, when asked to', () => {
    const base = {
      flows: [],
      templates: {
        en: [{ id: 'privacy', file: 'templates/en/privacy.yaml', text: 'privacy.notice:\n  text: Shipped notice\nprivacy.stopped:\n  text: Shipped stopped\n' }],
        'zh-TW': [{ id: 'privacy', file: 'templates/zh-TW/privacy.yaml', text: 'privacy.notice:\n  text: 出貨\n' }],
      },
    };
    const sources = overlayContent(base, [
      { kind: 'template', resourceId: 'privacy', content: { en: '# ours\nprivacy.notice:\n  text: Brand notice\n', 'zh-TW': '{}\n' }, label: 'version 1' },
    ], { keepTemplatesUnderneath: true });

    expect(sources.templates.en[0]?.text).toBe('# ours\nprivacy.notice:\n  text: Brand notice\nprivacy.stopped:\n  text: Shipped stopped\n');
    expect(sources.templates['zh-TW'][0]?.text).toBe('privacy.notice:\n  text: 出貨\n');
    expect(sources.templates.en[0]?.file).toBe('templates/en/privacy.yaml (version 1)');
  });
});
