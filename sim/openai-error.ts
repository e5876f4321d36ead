/** vLLM's error types by HTTP status. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "BadRequestError",
  404: "NotFoundError",
  413: "BadRequestError",
  415: "BadRequestError",
  500: "InternalServerError",
};

/** vLLM's OpenAI-style error body, marked simulated like every body the sim sends. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: null; code: number };
  simulated: true;
}

export function openAiError(status: number, message: string, type?: string): OpenAiErrorBody {
  return {
    error: {
      message,
      type:
        type ?? ERROR_TYPES[status] ?? (status >= 500 ? "InternalServerError" : "BadRequestError"),
      param: null,
      code: status,
    },
    simulated: true,
  };
}
