import type { ReportScorings } from "./evaluation-report.ts";
import { percentText } from "./percent-text.ts";

const counts = (entries: Record<string, number>) =>
  Object.entries(entries)
    .map(([why, n]) => `${n} ${why}`)
    .join(", ") || "none";

/**
 * The `report.md` section that puts Jurist's figures and the official script's side by side,
 * each row naming the scoring that produced it, then the official breakdown. Empty when the
 * run was not asked for the official scoring.
 */
export function renderScoringsMarkdown(scoring: ReportScorings): string[] {
  const { jurist, official } = scoring;
  if (!official) return [];
  return [
    "",
    "## Scorings side by side",
    "",
    "| scoring | figure | value |",
    "| --- | --- | ---: |",
    `| jurist | overall (micro) | ${percentText(jurist.overall)} |`,
    `| jurist | macro | ${percentText(jurist.macro)} |`,
    ...Object.entries(official.figures).map(
      ([name, value]) => `| official | ${name} | ${percentText(value)} |`,
    ),
    "",
    `- jurist: both orders of every judged item averaged; unparseable \`${jurist.unparseable}\`.`,
    `- official: ${official.order}; unparseable: ${official.unparseable}. ` +
      `Follows ${official.follows}. Counted ${official.counted} items; dropped: ` +
      `${counts(official.dropped)}; counted orders naming no response: ` +
      `${counts(official.unresolved)}.`,
    "",
    "### Official breakdown",
    "",
    "| group | n | accuracy |",
    "| --- | ---: | ---: |",
    ...Object.entries(official.groups).map(
      ([name, group]) => `| ${name} | ${group.n} | ${percentText(group.accuracy)} |`,
    ),
  ];
}

/** The `jurist eval` stdout line of the official figures, or nothing. */
export function officialSummaryLine(scoring: ReportScorings): string {
  const { official } = scoring;
  if (!official) return "";
  const figures = Object.entries(official.figures)
    .map(([name, value]) => `${name} ${percentText(value, "n/a")}`)
    .join(", ");
  return `official ${official.benchmark} scoring (one order per item): ${figures} (${official.counted} counted)\n`;
}
