import { z } from "zod";

/**
 * Schemas several settings share. Environment values are strings, JURIST_CONFIG values may be
 * JSON numbers or booleans: numbers are coerced, booleans accept both.
 */

/** Comma-separated, items trimmed, empty items dropped. */
export const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** `true`/`false`/`1`/`0`, or a JSON boolean. */
export const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
  .transform((value) => value === true || value === "true" || value === "1");

export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().min(0);
export const probability = z.coerce.number().min(0).max(1);

/** An integer in [min, max]. */
export const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A number in [min, max]. */
export const numberIn = (min: number, max: number) => z.coerce.number().min(min).max(max);

/**
 * A structured setting: JSON text in the environment, the value itself in a config file. Text
 * that is not JSON goes to `schema` as it is, which then refuses it with its own message.
 */
export const fromJson = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }, schema);
