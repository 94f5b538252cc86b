"""Bilingual text, and the frozen base model every data model of the package uses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Model", "Text"]


class Model(BaseModel):
    """Frozen, and unknown keys refused: a misspelt key in a file fails loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Text(Model):
    """A text in both languages the tool speaks."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh
