#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader: no build step between a clone and `jurist`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
