import { type Area, settingsOf } from "./setting.ts";
import { AREAS, OTHER_VARIABLES } from "./settings.ts";

/**
 * docs/configuration.md, rendered from the declarations in ./*-settings.ts (`npm run docs:config`
 * writes it; test/contracts/docs/configuration-doc.test.ts fails when the committed file is
 * not what this renders).
 */

export const CONFIG_DOC_PATH = "docs/configuration.md";
export const CONFIG_DOC_COMMAND = "npm run docs:config";

const INTRO = `Every setting is an environment variable. A JSON file named by \`JURIST_CONFIG\` may hold
them too: its keys are the variable names, its values strings, numbers or booleans (and
\`JURIST_GATES\` an array); the environment wins over the file, and an empty variable counts as
unset. Configuration is read once at start; when anything is invalid, every problem is listed
at once and the process exits with status 2.`;

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** GitHub's anchor for a heading. */
const anchor = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replaceAll(" ", "-");

function section(area: Area): string[] {
  return [
    `## ${area.title}`,
    "",
    area.summary,
    "",
    "| variable | default | meaning |",
    "| --- | --- | --- |",
    ...settingsOf(area.tree).map(
      (setting) => `| \`${setting.env}\` | ${cell(setting.shownDefault)} | ${cell(setting.doc)} |`,
    ),
    "",
  ];
}

export function renderConfigDoc(): string {
  const lines = [
    "# Configuration",
    "",
    `<!-- Generated from src/config/*-settings.ts by \`${CONFIG_DOC_COMMAND}\`: edit the declarations there, not this file. -->`,
    "",
    INTRO,
    "",
    ...AREAS.map((area) => `- [${area.title}](#${anchor(area.title)})`),
    "- [Other variables](#other-variables)",
    "",
    ...AREAS.flatMap(section),
    "## Other variables",
    "",
    "Read from the environment, but not settings.",
    "",
    "| variable | meaning |",
    "| --- | --- |",
    ...Object.entries(OTHER_VARIABLES).map(([name, doc]) => `| \`${name}\` | ${cell(doc)} |`),
  ];
  return `${lines.join("\n")}\n`;
}
