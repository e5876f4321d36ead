import { AppError } from "../core/errors.ts";

/**
 * Runs a store operation whose failure the caller cannot work around; a failure of the store
 * itself (Redis unreachable, a timeout) becomes 503 STORE_UNAVAILABLE instead of a 500.
 */
export async function storeCall<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("STORE_UNAVAILABLE", `${what} is unavailable right now`, {
      cause: error,
      retryAfterSeconds: 1,
    });
  }
}
