import { randomBytes } from "node:crypto";
import t from "tap";
import { makeSeedPrompts } from "../../../sim/seed-prompts.ts";
import {
  DEFAULT_WORLD_KEY,
  objectIn,
  RELATIONS,
  sceneKey,
  sceneOf,
} from "../../../sim/world/scene.ts";
import { imageBytes, promptScene } from "../../../sim/world/world-view.ts";
import { dataUriText } from "../../../src/core/data-uri-payload.ts";
import { resolvedImage, worldImage } from "../../helpers/sim-world.ts";

t.test("a scene is read from its image's bytes, the same for every reader", async (t) => {
  const image = worldImage("scene-1");
  const key = sceneKey([image], "any question");
  t.equal(key, sceneKey([Buffer.from(image)], "another question"), "the question does not matter");
  t.equal(key, sceneKey([image, worldImage("second")], ""), "only the first image counts");
  t.not(key, sceneKey([worldImage("scene-2")], "any question"), "other bytes, other scene");
  const flipped = Buffer.from(image);
  const last = flipped.length - 1;
  flipped.writeUInt8(flipped.readUInt8(last) ^ 1, last);
  t.not(key, sceneKey([flipped], ""), "one bit changes the scene");
  t.same(sceneOf(key, DEFAULT_WORLD_KEY), sceneOf(key, DEFAULT_WORLD_KEY), "deterministic");
  const data = dataUriText(resolvedImage(image).dataUri);
  t.same(imageBytes([data, "https://example.com/x.png"]), [image], "data URIs decode; URLs skip");
  t.same(promptScene([image], "q", DEFAULT_WORLD_KEY), sceneOf(key, DEFAULT_WORLD_KEY));
});

t.test("without an image the question (whitespace aside) decides the scene", async (t) => {
  t.equal(sceneKey([], "Describe  the\nimage. "), sceneKey([], "Describe the image."));
  t.not(sceneKey([], "Describe the image."), sceneKey([], "Describe the photo."));
});

t.test("every scene is well formed", async (t) => {
  for (let i = 0; i < 300; i++) {
    const scene = sceneOf(sceneKey([randomBytes(64)], ""), DEFAULT_WORLD_KEY);
    const names = scene.objects.map((o) => o.name);
    if (
      scene.objects.length !== 3 ||
      scene.absent.length !== 3 ||
      new Set([...names, ...scene.absent]).size !== 6 ||
      scene.objects.some((o) => !Number.isInteger(o.count) || o.count < 1 || o.count > 7) ||
      !(RELATIONS as readonly string[]).includes(scene.relation) ||
      scene.absent.some((name) => objectIn(scene, name) !== undefined)
    ) {
      t.fail(`malformed scene ${JSON.stringify(scene)}`);
    }
  }
  t.pass("300 random scenes checked");
});

t.test("the world key changes the scenes", async (t) => {
  const keys = makeSeedPrompts(40).map(({ image }) => sceneKey([image], ""));
  const differ = keys.filter(
    (key) =>
      JSON.stringify(sceneOf(key, DEFAULT_WORLD_KEY).objects) !==
      JSON.stringify(sceneOf(key, "another-world").objects),
  );
  t.ok(differ.length >= 38, `${differ.length}/40 scenes differ under another world key`);
  const distinct = new Set(keys.map((key) => JSON.stringify(sceneOf(key, DEFAULT_WORLD_KEY))));
  t.ok(distinct.size >= 38, `${distinct.size}/40 seed images show distinct scenes`);
});
