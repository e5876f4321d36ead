import { type Scene, sceneKey, sceneOf } from "./scene.ts";

/** Decodes the images of a prompt's data URIs (others are skipped: they carry no bytes). */
export function imageBytes(urls: readonly string[]): Buffer[] {
  return urls.flatMap((url) => {
    const match = /^data:[^;,]*;base64,(.*)$/s.exec(url);
    return match ? [Buffer.from(match[1]!, "base64")] : [];
  });
}

/** The scene a prompt with these images and this question shows. */
export function promptScene(images: readonly Buffer[], question: string, worldKey: string): Scene {
  return sceneOf(sceneKey(images, question), worldKey);
}
