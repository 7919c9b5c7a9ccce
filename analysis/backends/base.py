"""The LLM backend interface every analysis task codes against (local transformers or an HTTP server)."""

from __future__ import annotations

from abc import ABC, abstractmethod

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": str}


class BackendError(RuntimeError):
    """A backend could not load its model or answer a request; the message says why."""


class BackendSetupError(BackendError):
    """The server refused what the settings told ReviewLens to use (its API key, a model it does not serve):
    the user's settings to fix, said without a class name (the CLI exits 2, as for a settings mistake)."""


class LLMBackend(ABC):
    """A chat model that can score fixed answers and generate text, both batched.

    `name` is the model id that results are stored with (e.g. "qwen2.5-coder-0.5b").
    """

    name: str = "unknown"
    batch_size: int = 8

    @abstractmethod
    def score_choices(self, conversations: list[list[Message]], choices: list[str]) -> list[list[float]]:
        """For each conversation, the log-probability of each choice as the start of the assistant reply.

        The score of a choice is the sum of the log-probabilities of its tokens. Batched: padded forward
        passes (the prompt is computed once and shared by all choices), chunked by the batch size.
        Returns one list per conversation, in the order of `choices`.
        """

    @abstractmethod
    def generate(self, conversations: list[list[Message]], *, max_new_tokens: int = 256,
                 json_schema: dict | None = None, temperature: float = 0.0) -> list[str]:
        """Batched generation of the assistant reply for each conversation (greedy when temperature is 0).

        With `json_schema`, servers that support structured output are constrained to it; the local
        backend treats it as best effort (callers repair the JSON, see analysis.jsonrepair).
        """

    def close(self) -> None:  # pragma: no cover - optional
        """Release resources (HTTP connections, model memory)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
