export interface ProgressUpdate {
  processed: number;
  total: number;
}

/**
 * A one-line bar with an ETA on a terminal; a plain line at most every 2 s otherwise (logs, CI).
 * `label` and `unit` name the phase in plain lines: `tiers: 500/1000 members (50%), ETA 3 s`.
 */
export function progressReporter(label: string, unit: string, isTerminal: boolean) {
  const started = performance.now();
  let lastLine = 0;
  const report = ({ processed, total }: ProgressUpdate) => {
    const elapsed = (performance.now() - started) / 1000;
    const ratio = total === 0 ? 1 : Math.min(1, processed / total);
    const eta = processed === 0 ? '?' : `${Math.round((elapsed / processed) * (total - processed))} s`;
    if (isTerminal) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stdout.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${processed}/${total} ${Math.round(ratio * 100)}% ETA ${eta}   `);
    } else if (processed === total || elapsed - lastLine >= 2) {
      lastLine = elapsed;
      console.log(`${label}: ${processed}/${total} ${unit} (${Math.round(ratio * 100)}%), ETA ${eta}`);
    }
  };
  return Object.assign(report, { done: () => isTerminal && process.stdout.write('\n') });
}
