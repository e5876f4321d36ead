import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { bodyLimitFor, IMAGES_PER_REQUEST } from "../../../src/config/server-settings.ts";
import { MAX_IMAGES } from "../../../src/judge/request-limits.ts";

t.test("the default body limit fits the largest request the image limits allow", async (t) => {
  t.equal(IMAGES_PER_REQUEST, MAX_IMAGES, "the config's count of images is the judge's");
  const config = loadConfig({});
  t.equal(config.http.bodyLimitBytes, bodyLimitFor(MAX_IMAGES, config.images.maxBytes));
  t.equal(config.http.bodyLimitBytes, 227_891_040, "as docs/security.md states it");
  // Eight images at the image limit, as data URIs, fit; so does the text of the wordiest request.
  const dataUri = `data:image/jpeg;base64,${"A".repeat(4 * Math.ceil(config.images.maxBytes / 3))}`;
  const images = Array.from({ length: MAX_IMAGES }, () => `{"url":"${dataUri}"}`).join(",").length;
  t.ok(images + 18 * 32_768 * 6 < config.http.bodyLimitBytes);
  t.ok(
    config.shedding.inflightBytesBudget >= 2 * config.http.bodyLimitBytes,
    "the budget admits the largest body",
  );
});
