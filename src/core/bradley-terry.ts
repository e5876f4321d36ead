/**
 * Bradley–Terry strengths from pairwise comparisons: P(i beats j) = π_i / (π_i + π_j), fitted by
 * the MM (Zermelo) iteration of Hunter (2004). A score is log π_i centred to mean 0 over the
 * candidates that took part, so score_i − score_j = logit P(i ≻ j): the same scale as a
 * reference score.
 */

/** Comparisons between two candidates: `a` won `winsA` of `total` (fractions allowed). */
export interface Comparison {
  a: number;
  b: number;
  /** Comparisons `a` won; a probability counts as a soft win. 0 ≤ winsA ≤ total. */
  winsA: number;
  /** Comparisons between `a` and `b`; 0 adds nothing. */
  total: number;
}

export interface BradleyTerryOptions {
  /**
   * Virtual comparisons of every candidate against an opponent of strength 1, half of them won
   * (default 1). It keeps the fit finite when a candidate won or lost everything, so perfectly
   * separated and cyclic data converge; candidates the data does not connect are then compared
   * only through it. 0 is the plain maximum-likelihood fit, which throws on such data.
   */
  prior?: number;
  /** Stop once no log-strength moves by more than this (default 1e-10). */
  tolerance?: number;
  /** Give up refining after this many rounds (default 10,000); the last estimate stands. */
  maxIterations?: number;
}

/**
 * Log-strengths per candidate, centred to mean 0; null for a candidate no comparison involved
 * (it has no score, and a made-up one would rank it). Throws RangeError on malformed input, or
 * when `prior` is 0 and some candidate won or lost every comparison (no finite fit exists).
 */
export function fitBradleyTerry(
  count: number,
  comparisons: readonly Comparison[],
  options: BradleyTerryOptions = {},
): (number | null)[] {
  const prior = options.prior ?? 1;
  if (!(prior >= 0)) throw new RangeError("prior must be ≥ 0");
  const { wins, games } = tally(count, comparisons);
  const active = [...Array(count).keys()].filter((i) => games[i]!.some((n) => n > 0));
  if (prior === 0) requireFiniteFit(active, wins, games);
  let strength: Float64Array = new Float64Array(count).fill(1);
  for (let round = 0; round < (options.maxIterations ?? 10_000); round++) {
    const next = mmStep(strength, active, wins, games, prior);
    const moved = Math.max(0, ...active.map((i) => Math.abs(Math.log(next[i]! / strength[i]!))));
    strength = next;
    if (moved <= (options.tolerance ?? 1e-10)) break;
  }
  const logs = active.map((i) => Math.log(strength[i]!));
  const mean = logs.reduce((sum, value) => sum + value, 0) / Math.max(1, logs.length);
  const scores: (number | null)[] = new Array(count).fill(null);
  active.forEach((i, k) => {
    scores[i] = logs[k]! - mean;
  });
  return scores;
}

/** Wins per candidate and the comparison counts between every two. */
function tally(count: number, comparisons: readonly Comparison[]) {
  const wins = new Float64Array(count);
  const games = Array.from({ length: count }, () => new Float64Array(count));
  for (const { a, b, winsA, total } of comparisons) {
    const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < count;
    if (!inRange(a) || !inRange(b) || a === b) throw new RangeError(`bad pair (${a}, ${b})`);
    // 0 ≤ winsA ≤ total also bounds total; NaN fails both comparisons.
    if (!(winsA >= 0 && winsA <= total)) {
      throw new RangeError(`bad counts for (${a}, ${b}): ${winsA} of ${total}`);
    }
    games[a]![b]! += total;
    games[b]![a]! += total;
    wins[a]! += winsA;
    wins[b]! += total - winsA;
  }
  return { wins, games };
}

/**
 * One simultaneous MM update (Jacobi, not Gauss–Seidel, so relabelling the candidates relabels
 * the result). The prior is a fixed opponent of strength 1; with no prior the scale is free, so
 * it is pinned to geometric mean 1 each round.
 */
function mmStep(
  strength: Float64Array,
  active: readonly number[],
  wins: Float64Array,
  games: readonly Float64Array[],
  prior: number,
): Float64Array {
  const next = new Float64Array(strength);
  for (const i of active) {
    let denominator = prior / (strength[i]! + 1);
    // Pairs never compared (and i itself) add 0 / (s_i + s_j), which is 0 for positive strengths.
    for (const j of active) denominator += games[i]![j]! / (strength[i]! + strength[j]!);
    next[i] = (wins[i]! + prior / 2) / denominator;
  }
  if (prior === 0) {
    const meanLog = active.reduce((sum, i) => sum + Math.log(next[i]!), 0) / active.length;
    for (const i of active) next[i] = next[i]! / Math.exp(meanLog);
  }
  return next;
}

function requireFiniteFit(
  active: readonly number[],
  wins: Float64Array,
  games: readonly Float64Array[],
): void {
  for (const i of active) {
    const played = games[i]!.reduce((sum, n) => sum + n, 0);
    if (wins[i]! <= 0 || wins[i]! >= played) {
      throw new RangeError(
        `candidate ${i} won ${wins[i]} of ${played}: no finite fit without a prior`,
      );
    }
  }
}
