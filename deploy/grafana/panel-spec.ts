/** The shapes of the dashboard's rows and panels, and the PromQL helpers every row uses. */

/** One query of a panel; `legend` is Grafana's legend format (`{{label}}`). */
export interface Query {
  expr: string;
  legend?: string;
  /** Evaluated once for the range's end (tables, bar gauges) rather than as a series. */
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  /** Shown on hover: what the panel answers and what a bad value means. */
  description: string;
  type?: "timeseries" | "stat" | "state-timeline" | "heatmap" | "table" | "bargauge";
  /** Grafana unit id: `reqps`, `s`, `percentunit`, `short`, `bytes`, … */
  unit?: string;
  /** Grid columns out of 24; 8 by default. */
  width?: number;
  queries: Query[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** The judging API on both transports: HTTP `/v1/…` routes and gRPC `/jurist.v1.…` methods. */
export const API = 'route=~"/v1/.+|/jurist[.].+"';
/** The same, less gRPC streams, whose duration is a whole stream's life rather than one answer. */
export const ANSWERS = `${API}, route!~".+/PairwiseStream"`;
export const FAILED = 'outcome=~"server_error|unavailable|timeout"';
export const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
export const quantile = (q: number, by: string, selector: string) =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ""}) (${rate(selector)}))`;
export const share = (part: string, whole: string) => `sum(${rate(part)}) / sum(${rate(whole)})`;
