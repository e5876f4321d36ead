// `node --import=<this file>`: appends the URL of every module the process loads, one per
// line, to the file named by JURIST_TEST_LOADED_MODULES. Node's module hooks (module.register,
// Node 20.6+) run on a thread of their own, so the file is written from there.
import { register } from "node:module";

if (process.env.JURIST_TEST_LOADED_MODULES) {
  register("./loaded-modules-hook.mjs", import.meta.url, {
    data: { file: process.env.JURIST_TEST_LOADED_MODULES },
  });
}
