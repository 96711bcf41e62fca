"""Form fields (studio.ui.form.Number, Slider, Dropdown) whose refusals name the field: "Width: at most 2048 (you gave 5000)".

Gradio checks a number's bounds and a menu's choices before a handler runs, in words that do
not say which field was wrong ("Value 5000 is greater than maximum value 2048"). These are
Gradio's own components (the page draws them the same way: ``is_template``) with the check
said in the creator's words, and a value that is not a number at all refused the same way
instead of failing inside Gradio.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import gradio as gr

log = logging.getLogger(__name__)


def field_name(label: Any) -> str:
    """"Width (0 = default)" -> "Width": the name a creator reads on the form."""
    return str(label or "This field").split(" (")[0].strip()


def refused(label: Any, what: str) -> gr.Error:
    """The toast for a value the form refuses; one log line, no traceback (it is the creator's to fix)."""
    message = f"{field_name(label)}: {what}"
    log.info("refused a form value: %s", message)
    return gr.Error(message, print_exception=False)


def _shown(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def checked_number(label: Any, payload: Any, minimum: float | None, maximum: float | None) -> float | None:
    if payload is None or payload == "":
        return None
    if isinstance(payload, bool) or not isinstance(payload, (int, float, str)):
        raise refused(label, "type a number.")
    try:
        number = float(payload)
    except ValueError:
        raise refused(label, f"type a number (“{str(payload)[:20]}” is not one).") from None
    if not math.isfinite(number):
        raise refused(label, "type a number.")
    if minimum is not None and number < minimum:
        raise refused(label, f"at least {_shown(minimum)} (you gave {_shown(number)}).")
    if maximum is not None and number > maximum:
        raise refused(label, f"at most {_shown(maximum)} (you gave {_shown(number)}).")
    return number


class Number(gr.Number):
    is_template = True  # drawn as Gradio's Number

    def preprocess(self, payload: Any) -> float | int | None:
        number = checked_number(self.label, payload, self.minimum, self.maximum)
        return None if number is None else super().preprocess(number)


class Slider(gr.Slider):
    is_template = True  # drawn as Gradio's Slider

    def preprocess(self, payload: Any) -> float:
        number = checked_number(self.label, payload, self.minimum, self.maximum)
        if number is None:
            raise refused(self.label, f"choose a value from {_shown(self.minimum)} to {_shown(self.maximum)}.")
        return super().preprocess(number)


class Dropdown(gr.Dropdown):
    is_template = True  # drawn as Gradio's Dropdown

    def preprocess(self, payload: Any) -> Any:
        try:
            return super().preprocess(payload)
        except gr.Error:
            raise refused(self.label, "choose one of the values in the menu.") from None
        except (TypeError, ValueError):
            raise refused(self.label, "choose one of the values in the menu.") from None
