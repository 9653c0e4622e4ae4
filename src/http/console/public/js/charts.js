// Chart.js's UMD build, served from node_modules by the console router (no CDN: the CSP allows this origin only).
// Loaded by a <script src> the first time a page draws a chart, so the other pages never fetch it.

const scriptUrl = '/admin/assets/vendor/chart.umd.min.js';
let loading = null;

/** The Chart constructor, with the console's font and colours as defaults. */
export function loadChart() {
  loading ??= new Promise((resolve, reject) => {
    if (window.Chart) {
      resolve(configure(window.Chart));
      return;
    }
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.addEventListener('load', () => resolve(configure(window.Chart)));
    script.addEventListener('error', () => {
      loading = null;
      reject(new Error(`Could not load ${scriptUrl}`));
    });
    document.head.append(script);
  });
  return loading;
}

function configure(Chart) {
  const root = getComputedStyle(document.documentElement);
  // The console's font stack, so Chinese labels use the same CJK font as the rest of the page.
  Chart.defaults.font.family = root.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#5f6b76';
  Chart.defaults.borderColor = '#e1e6eb';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;
  Chart.defaults.plugins.tooltip.mode = 'index';
  Chart.defaults.plugins.tooltip.intersect = false;
  Chart.defaults.interaction.mode = 'index';
  Chart.defaults.interaction.intersect = false;
  // Charts grow in; not for readers who asked the system for less motion.
  if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) Chart.defaults.animation = false;
  return Chart;
}

/** Distinct colours that stay apart for colour-blind readers (Okabe–Ito), brand green first. */
export const palette = ['#06a94d', '#0072b2', '#e69f00', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f', '#f0e442', '#009e73', '#1d2329'];

/** A colour with alpha, for fills under lines. */
export function translucent(hex, alpha) {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
