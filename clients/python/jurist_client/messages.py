"""Text and images out of the prompt and completion formats TRL hands reward functions.

TRL (trl/trainer/grpo_trainer.py, v1.9.0) passes either standard text (`str`) or conversational
messages: `[{"role": ..., "content": str | [parts]}]`, where a part is `{"type": "text",
"text": ...}` or `{"type": "image", "image": <image or absent>}` (prepare_multimodal_messages in
trl/data_utils.py puts the dataset's images into the first user message's parts).
"""

from __future__ import annotations

from typing import Any, List, Mapping, Sequence, Union

Message = Mapping[str, Any]
PromptOrCompletion = Union[str, Sequence[Message]]


def content_text(content: Any) -> str:
    """The text of one message's content: a string, or its text parts joined by newlines."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(
        str(part.get("text", ""))
        for part in content
        if isinstance(part, Mapping) and part.get("type") == "text"
    )


def prompt_text(prompt: PromptOrCompletion) -> str:
    """The question Jurist judges against. A system message is the policy's instruction, not
    the question, and is left out; a single remaining turn is sent as its text, several turns
    as `role: text` lines so the judge sees the conversation the completion answers."""
    if isinstance(prompt, str):
        return prompt
    turns = [message for message in prompt if message.get("role") != "system"]
    if len(turns) == 1:
        return content_text(turns[0].get("content"))
    return "\n\n".join(f"{message.get('role', 'user')}: {content_text(message.get('content'))}" for message in turns)


def completion_text(completion: PromptOrCompletion) -> str:
    """A completion's text: the string itself, or the assistant messages' text joined (a tool
    call turn adds tool messages, which are the environment's words, not the policy's)."""
    if isinstance(completion, str):
        return completion
    return "\n".join(
        content_text(message.get("content"))
        for message in completion
        if message.get("role", "assistant") == "assistant"
    ).strip("\n")


def prompt_images(prompt: PromptOrCompletion) -> List[Any]:
    """Image objects inside a conversational prompt's parts, in order. OnlineDPO's placeholders
    (`{"type": "image"}` without an image) carry none and are skipped."""
    if isinstance(prompt, str):
        return []
    found: List[Any] = []
    for message in prompt:
        content = message.get("content")
        if isinstance(content, str) or content is None:
            continue
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "image" and part.get("image") is not None:
                found.append(part["image"])
    return found
