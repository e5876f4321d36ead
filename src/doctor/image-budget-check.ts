import sharp from "sharp";
import type { ResolvedImage } from "../core/types.ts";
import { fitToBudget } from "../images/budgeted-image.ts";
import { fittedSize, type Size } from "../images/image-budget.ts";
import { MAX_IMAGES } from "../judge/request-limits.ts";
import { type DoctorCheck, type DoctorContext, fail, ok, warn } from "./doctor-check.ts";
import { firstChoice, reasonedVerdictBody } from "./probe-requests.ts";
import { errorMessage } from "./replica-http.ts";

/**
 * A 4:3 photo at the gateway's budget: what a large photo comes out as after the gateway's
 * own resize (`fittedSize`), made with sharp and taken in as the gateway takes images in.
 */
async function imageAtBudget(settings: DoctorContext["settings"]): Promise<{
  image: ResolvedImage;
  size: Size;
}> {
  const budget = {
    maxPixels: settings.imageMaxPixels,
    maxEdge: settings.imageMaxEdge,
    maxInputPixels: Number.POSITIVE_INFINITY,
    maxInputEdge: Number.POSITIVE_INFINITY,
  };
  const large = 4 * (settings.imageMaxEdge + settings.imageMaxPixels);
  const size = fittedSize({ width: large, height: (large * 3) / 4 }, budget)!;
  const bytes = await sharp({
    create: { ...size, channels: 3, background: { r: 120, g: 140, b: 90 } },
  })
    .png()
    .toBuffer();
  const [image] = await fitToBudget([{ bytes, label: "the doctor's image" }], budget);
  return { image: image!, size };
}

/**
 * A reasoned verdict with one image at the gateway's image budget and the verdict token budget:
 * vLLM counts the image's tokens plus `max_tokens` against `--max-model-len` and answers 400
 * when they do not fit, which would fail every verdict carrying such an image.
 */
export const imageBudgetCheck: DoctorCheck = {
  name: "image budget",
  needs: ["model", "field", "logprobs"],
  async run({ http, settings, facts }) {
    const {
      image,
      size: { width, height },
    } = await imageAtBudget(settings);
    const body = reasonedVerdictBody(facts.model!, facts.field!, settings, [image]);
    const answer = await http.post("/v1/chat/completions", body);
    const size = `a ${width}×${height} image (JURIST_IMAGE_MAX_PIXELS ${settings.imageMaxPixels})`;
    const fix = `lower JURIST_IMAGE_MAX_PIXELS / JURIST_IMAGE_MAX_EDGE or JURIST_JUDGE_MAX_TOKENS, or raise vLLM's --max-model-len${facts.maxModelLen ? ` (${facts.maxModelLen})` : ""}`;
    if (answer.status !== 200) {
      return fail(
        `${size} + ${settings.maxTokens} verdict tokens refused (${answer.status}): ${errorMessage(answer)}`,
        fix,
      );
    }
    const tokens = firstChoice(answer.json)?.prompt?.total;
    if (tokens === undefined || facts.maxModelLen === undefined) {
      return ok(`${size} accepted (no prompt token count to check the room left)`);
    }
    // vLLM checks the image-expanded prompt alone and clamps max_tokens to what is left
    // (get_max_tokens in vllm/entrypoints/utils.py), so a 200 can still cut a reasoned verdict
    // short of its [[A]]: the room is checked here.
    const room = `${tokens} prompt + ${settings.maxTokens} completion tokens of ${facts.maxModelLen}`;
    if (tokens + settings.maxTokens > facts.maxModelLen) {
      return fail(
        `${size} leaves ${Math.max(0, facts.maxModelLen - tokens)} tokens for a verdict: ${room}`,
        `${fix} (reasoned verdicts would be cut off before their verdict)`,
      );
    }
    const room8 = await imageRoom(http, facts, settings, tokens);
    if (room8 === null) return ok(`${size} fits: ${room}`);
    if (room8.fit < MAX_IMAGES) {
      return warn(
        `${size} fits (${room}), but only ${room8.fit} such images do, and a verdict may carry ${MAX_IMAGES}`,
        `for ${MAX_IMAGES}, raise --max-model-len to ${room8.neededForMax} or lower JURIST_IMAGE_MAX_PIXELS; verdicts with fewer images need nothing`,
      );
    }
    return ok(`${size} fits: ${room}; room for ${room8.fit} such images`);
  },
};

/**
 * How many budget-sized images a reasoned verdict has room for, and the context eight need: the image's tokens are the
 * difference between the prompt with it and the same prompt without (asked with `max_tokens`
 * 1, so the check costs one token of generation). Null when the replica does not say.
 */
async function imageRoom(
  http: DoctorContext["http"],
  facts: DoctorContext["facts"],
  settings: DoctorContext["settings"],
  withOne: number,
): Promise<{ fit: number; neededForMax: number } | null> {
  const body = reasonedVerdictBody(facts.model!, facts.field!, { ...settings, maxTokens: 1 }, []);
  const answer = await http.post("/v1/chat/completions", body);
  const without = answer.status === 200 ? firstChoice(answer.json)?.prompt?.total : undefined;
  if (without === undefined || facts.maxModelLen === undefined || withOne <= without) return null;
  const perImage = withOne - without;
  return {
    fit: Math.floor((facts.maxModelLen - settings.maxTokens - without) / perImage),
    neededForMax: without + MAX_IMAGES * perImage + settings.maxTokens,
  };
}
