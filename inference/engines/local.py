"""Our SambaY inside the worker process, with continuous batching.

One engine loop thread steps every active sequence together (one batched model call per decode
step); Celery tasks running in other threads of the same process submit to it and read their
own handles. Build it inside the worker process (never before a fork).

A checkpoint whose generation_config.json says ``"tutor_format": "tutor-steps/1"`` (the built-in
tutor model, docs/tutor-model.md) is served from the problem statement itself, with exact
arithmetic and step checks while it streams (``inference.steps.stream``): the engine inserts
every CALC's result, shows each line once it has passed its checks, and has a line that fails
written again from the last good line. Problems outside the model's families get a plain
sentence instead of an attempt.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from inference.engines.base import Engine, EngineError, GenerationRequest, Handle
from inference.sambay import BatchDecoder, IncrementalDetokenizer, SamplingParams, load_checkpoint

log = logging.getLogger(__name__)

TUTOR_FORMAT = "tutor-steps/1"
# Lines a run may have rejected and written again before the engine gives up on the problem.
TUTOR_LINE_RETRIES = 16
TUTOR_MAX_NEW_TOKENS = 512
# A rejected line is written again by sampling: greedy would repeat the same line.
RETRY_TEMPERATURE = 0.7
# After this many rejected attempts at a line that began with the same token, a retry may not
# begin with it (a confident wrong choice, e.g. subtracting equations that must be added).
SAME_START_LIMIT = 2
# After this many rejected attempts at one line, the line before it, though valid, is taken for a
# way that leads nowhere (e.g. multiplying an equation that needed no multiplying): the engine
# says so, goes back one line and does not take that step there again. At most this often a run.
BACKTRACK_AFTER = 4
MAX_BACKTRACKS = 2
# After this many rejected attempts at a line of an elimination, a linear equation `a v + b = c`
# or a monic quadratic, the CAS writes the line the training data would (the multiplier that
# makes one unknown's coefficients match, adding or subtracting the equations, moving the
# constant, dividing, factoring) and the model goes on from it.
PLAN_AFTER = 3
STEP_NOTE = (
    "The built-in tutor cannot talk about a step in words yet. Here is how it works this "
    "problem from the start, every step checked:\n\n"
)
STEP_NOTE_FROM_LINE = (
    "The built-in tutor cannot talk about a step in words yet. Here is how it works on from "
    "your last line that follows, every step checked:\n\n"
)


@dataclass(eq=False)
class _Run:
    """One request on the engine: its handle, and for the tutor format its step follower."""

    handle: Handle
    detok: IncrementalDetokenizer
    seq_id: int = -1
    steps: object | None = None  # inference.steps.stream.StepStream for the tutor format
    request: GenerationRequest | None = None
    prompt: list[int] = field(default_factory=list)
    accepted: str = ""  # the lines that passed their checks (shown)
    pending: str = ""  # the line being written (held back until it is checked)
    line_start: bool = True  # the next token the model writes begins a line
    line_first_token: int | None = None  # the model's first token of the current line
    # (line number, first token) of rejected lines, to keep retries off a start that keeps failing
    failed_starts: Counter = field(default_factory=Counter)
    # (line number, phrase) of steps the run went back on: not taken there again
    abandoned: set = field(default_factory=set)


class LocalEngine(Engine):
    name = "local"

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str | None = None,
        dtype: str | torch.dtype | None = None,
        max_batch_size: int = 32,
        torch_threads: int | None = None,
        exact_arithmetic: bool = True,
    ) -> None:
        path = Path(model_path)
        if not (path / "config.json").exists():
            raise EngineError(f"no model checkpoint at {path} (config.json is missing)")
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if torch_threads:
            # Process-wide; on a small shared CPU one thread beats oversubscribed small kernels.
            torch.set_num_threads(torch_threads)
        if dtype is None:
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        self.model, self.tokenizer = load_checkpoint(path, dtype=dtype, device=device)
        if (
            torch_threads is None
            and device == "cpu"
            and self.tokenizer.generation_config.get("tutor_format") == TUTOR_FORMAT
        ):
            # A small model decodes in tiny kernels: a second thread only adds contention.
            torch.set_num_threads(1)
        self.model_name = path.name
        self.tutor_format = self.tokenizer.generation_config.get("tutor_format") == TUTOR_FORMAT
        # False only to measure the raw model (inference.training.evaluate): no inserted results,
        # no restarts; lines are still checked.
        self.exact_arithmetic = exact_arithmetic
        if self.tutor_format:
            params = sum(p.numel() for p in self.model.parameters())
            self.model_name = f"built-in tutor model ({path.name}, SambaY, {params / 1e6:.1f}M)"
            self._warm_up_checks()
        # Bounded prefill per step: a long prompt must not stall the sequences already decoding.
        self.decoder = BatchDecoder(
            self.model, max_batch_size=max_batch_size, max_prefill_tokens_per_step=2048
        )
        # Re-entrant, so callers that hold it (to see a consistent state between two steps)
        # can still use the public methods.
        self._lock = threading.RLock()
        self._work = threading.Condition(self._lock)
        self._callers = 0  # threads waiting in paused(): the loop steps aside for them
        self._callers_lock = threading.Lock()
        self._runs: dict[int, _Run] = {}  # by sequence id
        self._by_handle: dict[int, int] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="sambay-engine", daemon=True)
        self._thread.start()

    @property
    def stats(self):
        return self.decoder.stats

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the engine between two steps: a consistent view, and a safe time to change it.

        Python's locks are not fair: the loop releases its lock and takes it again at once, so
        a thread that only waited for it could wait for as long as sequences keep decoding (a
        cancel that never lands). A caller announces itself first and the loop steps aside.
        """
        with self._callers_lock:
            self._callers += 1
        try:
            self._work.acquire()
        finally:
            with self._callers_lock:
                self._callers -= 1
        try:
            yield
        finally:
            self._work.notify_all()
            self._work.release()

    def submit(self, request: GenerationRequest) -> Handle:
        if self.tutor_format:
            return self._submit_tutor(request)
        prompt = self.tokenizer.apply_chat_template(request.messages, add_generation_prompt=True)
        handle = Handle(prompt_tokens=len(prompt))
        sampling = SamplingParams(
            temperature=request.temperature,
            top_p=request.top_p,
            max_new_tokens=request.max_new_tokens,
            seed=request.seed,
        )
        with self.paused():
            if self._closed:
                raise EngineError("the engine is shut down")
            self._start(_Run(handle, self.tokenizer.detokenizer()), prompt, sampling)
        return handle

    def _start(self, run: _Run, prompt: list[int], sampling: SamplingParams) -> None:
        run.seq_id = self.decoder.add(prompt, sampling)
        run.detok = self.tokenizer.detokenizer()
        self._runs[run.seq_id] = run
        self._by_handle[run.handle.id] = run.seq_id
        self._work.notify()

    # ------------------------------------------------------------------ the built-in tutor model
    @staticmethod
    def _warm_up_checks() -> None:
        """Import SymPy and fill the parser's caches now, not in the first student's request."""
        from inference.steps.calc import calc_result
        from inference.steps.check import check_solution
        from inference.steps.problems import read_problem

        problem = read_problem("Solve $2x + 1 = 7$.")
        calc_result("Subtract $1$ from both sides ($7 - 1 =")
        check_solution(problem, "Subtract $1$ from both sides ($7 - 1 = 6$): $2x = 6$.")

    def _submit_tutor(self, request: GenerationRequest) -> Handle:
        from inference.steps.problems import read_problem
        from inference.steps.stream import NOT_COVERED, hint_start

        statement = request.statement or next(
            (m["content"] for m in reversed(request.messages) if m["role"] == "user"), ""
        )
        problem = read_problem(statement)
        handle = Handle()
        if problem is None:
            handle.put(NOT_COVERED)
            handle.finish("unsupported")
            return handle
        if request.purpose == "hint":
            statement, problem = hint_start(problem, request.student_answer)
        elif request.purpose == "step":
            # "Explain this step": it cannot talk about a line in words; it says so, then works
            # on from the student's last line that follows (else from the start), checked.
            started, from_line = hint_start(problem, request.student_answer)
            handle.put(STEP_NOTE_FROM_LINE if from_line is not problem else STEP_NOTE)
            statement, problem = started, from_line
        prompt = self.tokenizer.apply_chat_template(
            [{"role": "user", "content": statement.strip()}], add_generation_prompt=True
        )
        handle.prompt_tokens = len(prompt)
        run = _Run(handle, self.tokenizer.detokenizer(), request=request, prompt=prompt)
        run.steps = self._new_steps(problem)
        with self.paused():
            if self._closed:
                raise EngineError("the engine is shut down")
            self._start(run, prompt, self._tutor_sampling(request, 0))
        return handle

    def _new_steps(self, problem):
        from inference.steps.stream import StepStream

        return StepStream(problem, exact=self.exact_arithmetic)

    @staticmethod
    def _tutor_sampling(request: GenerationRequest, retry: int) -> SamplingParams:
        # Greedy first (the model's best); a rejected line is sampled to find another way.
        return SamplingParams(
            temperature=0.0 if retry == 0 else RETRY_TEMPERATURE,
            top_p=0.95,
            max_new_tokens=min(request.max_new_tokens, TUTOR_MAX_NEW_TOKENS),
            seed=(request.seed or 0) * 31 + retry,
        )

    def _tutor_event(self, run: _Run, token_id: int, finish_reason: str | None) -> None:
        """One token of a tutor-format run (called by the loop with the lock held).

        Exact arithmetic: a CALC's result is forced into the model's next tokens. Checks: a line is
        shown only once it has passed; a line that fails is dropped unseen and written again from
        the last good line (a fresh sequence whose prompt ends with the accepted lines)."""
        text = run.detok.push(token_id)
        if finish_reason is not None:
            text += run.detok.flush()
        if run.line_start and not run.pending:
            run.line_first_token = token_id
        run.line_start = "\n" in text
        explaining = run.request.purpose != "hint"
        action = run.steps.feed(text) if text else None
        if not self.exact_arithmetic:
            # The raw model is measured as it is: no inserts, no retries, to its own end.
            if explaining:
                run.handle.put(text)
            if finish_reason is not None or run.steps.answered:
                self._drop(run)
                run.handle.finish("stop")  # checked stays None: nothing was enforced
            return None
        run.pending += text
        if action is not None and action.insert and finish_reason is None:
            self.decoder.force(run.seq_id, self.tokenizer.encode(action.insert))
        failed = action.failed if action is not None else None
        lines = list(action.lines) if action is not None else []
        if failed is None and finish_reason is not None:
            end = run.steps.finish()
            lines += end.lines
            failed = end.failed
            if failed is None and not run.steps.answered:
                failed = "it stopped before the answer"
        if failed is None and lines and self._abandoned(run):
            failed = "a step the explanation already went back on"
        if failed is None and lines and self._off_plan(run):
            failed = "a multiplier that does not line up either unknown's coefficients"
        if failed is not None:
            repaired = self._repaired(run, failed)
            if repaired:
                return self._accept_repaired(run, repaired)
            return self._retry_line(run, failed)
        if lines:  # checked lines: show them
            cut = len(run.pending) if finish_reason is not None else run.pending.rfind("\n") + 1
            done, run.pending = run.pending[:cut], run.pending[cut:]
            run.accepted += done
            if explaining:
                run.handle.put(done)
            elif lines[0].kind == "step":
                return self._end_run(run, hint_line=True)
        if run.steps.answered:
            self._end_run(run)
        return None

    @staticmethod
    def _abandoned(run: _Run) -> bool:
        """The line just completed is a step this run went back on at this place."""
        from inference.steps.check import split_line

        line_number = run.accepted.count("\n")
        return (line_number, split_line(run.steps.lines[-1]).phrase) in run.abandoned

    def _backtrack(self, run: _Run, line_number: int) -> bool:
        """Go back one line when the current one keeps failing (see BACKTRACK_AFTER)."""
        from inference.steps.check import BACKTRACK_NOTE, split_line

        failures = sum(n for (line, _), n in run.failed_starts.items() if line == line_number)
        if (
            failures < BACKTRACK_AFTER
            or line_number < 1
            or run.handle.backtracks >= MAX_BACKTRACKS
            or run.request.purpose == "hint"
        ):
            return False
        kept = run.accepted.splitlines(keepends=True)
        run.abandoned.add((line_number - 1, split_line(kept[-1]).phrase))
        run.accepted = "".join(kept[:-1])
        run.handle.backtracks += 1
        run.handle.put(BACKTRACK_NOTE + "\n")
        return True

    @staticmethod
    def _off_plan(run: _Run) -> bool:
        """The line just completed multiplies an equation of an elimination by a number that
        does not line up either unknown (see repair.off_plan_multiplier)."""
        from inference.steps.check import split_line
        from inference.steps.plans import off_plan_multiplier

        steps = run.steps
        before = split_line(steps.lines[-2]).state if len(steps.lines) > 1 else ""
        return off_plan_multiplier(
            steps.problem, before or steps.problem.start_latex, steps.lines[-1]
        )

    @staticmethod
    def _planned(run: _Run, line_number: int) -> str:
        """The next line written by the CAS once the model keeps failing at it (see PLAN_AFTER
        and inference.steps.plans.planned_line), or ""."""
        from inference.steps.check import LineChecker, split_line
        from inference.steps.plans import planned_line

        failures = sum(n for (line, _), n in run.failed_starts.items() if line == line_number)
        if failures < PLAN_AFTER:
            return ""
        steps = run.steps
        # A hint never gives the answer away: no answer line.
        answer = run.request.purpose != "hint"
        line = planned_line(steps.problem, steps.checker.prev_latex, answer=answer) or ""
        if line and (line_number, split_line(line).phrase) in run.abandoned:
            return ""
        if line and not LineChecker(steps.problem).check_line(line).ok:
            return ""  # never expected: the planners write lines that check
        return line

    @staticmethod
    def _repaired(run: _Run, failed) -> str:
        """The failed step line with a miscopied number corrected by the CAS, or the failed
        answer line copied from the last state, or ""."""
        from inference.steps.plans import answer_line, off_plan_multiplier
        from inference.steps.repair import repair_step

        kind = getattr(failed, "kind", "")
        if kind == "answer" and run.request.purpose != "hint":
            return answer_line(run.steps.problem, run.steps.checker.prev_latex) or ""
        if kind != "step" or not run.steps.lines:
            return ""
        steps = run.steps
        line = repair_step(steps.problem, steps.checker.prev_latex, steps.lines[-1]) or ""
        if line and off_plan_multiplier(steps.problem, steps.checker.prev_latex, line):
            return ""  # a corrected line that still leads away from the answer
        return line

    def _accept_repaired(self, run: _Run, line: str) -> None:
        """Show the corrected line and let the model go on from it (a fresh sequence whose
        prompt ends with it, as after a retry, without the retry's sampling)."""
        self._drop(run)
        run.handle.corrections += 1
        run.steps = self._new_steps(run.steps.problem)
        if run.accepted:
            run.steps.feed(run.accepted)
        verdict = run.steps.feed(line + "\n")
        if verdict.failed is not None:  # repair_step checked it; never expected
            return self._retry_line(run, verdict.failed)
        if verdict.lines and verdict.lines[-1].kind == "answer":  # the explanation is done
            run.accepted += line
            run.handle.put(line)
            return self._end_run(run)
        run.accepted += line + "\n"
        run.pending = ""
        if run.request.purpose == "hint":
            return self._end_run(run, hint_line=True)
        run.handle.put(line + "\n")
        prompt = run.prompt + self.tokenizer.encode(run.accepted)
        self._start(run, prompt, self._tutor_sampling(run.request, run.handle.retries))
        run.line_start, run.line_first_token = True, None
        return None

    def _end_run(self, run: _Run, hint_line: bool = False) -> None:
        from inference.steps.stream import hint_text

        if hint_line:
            run.handle.put(hint_text(run.steps.lines[0]))
        run.handle.checked = run.steps.all_ok or (hint_line and run.steps.verdicts[0].ok)
        self._drop(run)
        run.handle.finish("stop")

    def _drop(self, run: _Run) -> None:
        self.decoder.cancel(run.seq_id)
        self._runs.pop(run.seq_id, None)
        self._by_handle.pop(run.handle.id, None)

    def _retry_line(self, run: _Run, failed) -> None:
        reason = getattr(failed, "reason", "") or str(failed)
        log.debug("tutor line rejected (%s): %r", reason, run.pending)
        self._drop(run)
        run.handle.retries += 1
        if run.handle.retries > TUTOR_LINE_RETRIES:
            if run.request.purpose != "hint":
                run.handle.put(
                    "\n*The tutor could not finish an explanation whose every step checks out "
                    "for this problem. Try the written hints.*"
                )
            else:
                run.handle.put(
                    "The tutor could not work out a next step that checks out. Try the written "
                    "hints."
                )
            run.handle.checked = False
            run.handle.finish("stop")
            return
        # Back to the last good line: a fresh sequence continues from the accepted text.
        from inference.steps.stream import reduction_step

        line_number = run.accepted.count("\n")
        if run.line_first_token is not None:
            run.failed_starts[line_number, run.line_first_token] += 1
        planned = self._planned(run, line_number)
        if planned:
            return self._accept_repaired(run, planned)
        went_back = self._backtrack(run, line_number)
        line_number -= went_back

        last_line = run.steps.lines[-2] if len(run.steps.lines) > 1 else ""
        # An answer right in value but not reduced: the CAS starts the missing step.
        reduce = hasattr(failed, "kind") and not went_back
        run.pending = reduction_step(failed, last_line) if reduce else ""
        run.steps = self._new_steps(run.steps.problem)
        if run.accepted:
            run.steps.feed(run.accepted)
        if run.pending:
            run.steps.feed(run.pending)
        prompt = run.prompt + self.tokenizer.encode(run.accepted + run.pending)
        self._start(run, prompt, self._tutor_sampling(run.request, run.handle.retries))
        run.line_start, run.line_first_token = True, None
        if not run.pending:
            worn_out = [
                token
                for (line, token), count in run.failed_starts.items()
                if line == line_number and count >= SAME_START_LIMIT
            ]
            if worn_out:
                self.decoder.ban_next(run.seq_id, worn_out)

    def cancel(self, handle_id: int) -> None:
        with self.paused():
            seq_id = self._by_handle.pop(handle_id, None)
            if seq_id is None:
                return
            self.decoder.cancel(seq_id)
            run = self._runs.pop(seq_id, None)
        if run:
            run.handle.finish("cancelled")

    def waiting_position(self, handle_id: int) -> int | None:
        with self.paused():
            seq_id = self._by_handle.get(handle_id)
            return None if seq_id is None else self.decoder.waiting_position(seq_id)

    def close(self) -> None:
        with self.paused():
            self._closed = True
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._work:
                while self._callers and not self._closed:
                    self._work.wait(0.001)  # a caller is waiting in paused(): let it in first
                while not self.decoder.has_work and not self._closed:
                    self._work.wait()
                if self._closed:
                    for run in self._runs.values():
                        run.handle.finish("cancelled")
                    return
                try:
                    events = self.decoder.step()  # one batched model call for all sequences
                except Exception as exc:  # a model error fails its requests, not the loop
                    log.exception("engine step failed")
                    for seq_id, run in list(self._runs.items()):
                        self.decoder.cancel(seq_id)
                        run.handle.finish("error", str(exc))
                    self._runs.clear()
                    self._by_handle.clear()
                    continue
                for event in events:
                    run = self._runs.get(event.seq_id)
                    if run is None:
                        continue
                    run.handle.completion_tokens += 1
                    if run.steps is not None:
                        try:
                            self._tutor_event(run, event.token_id, event.finish_reason)
                        except Exception as exc:  # a checker bug fails one request
                            log.exception("tutor step handling failed")
                            self._drop(run)
                            run.handle.finish("error", str(exc))
                        continue
                    run.handle.put(run.detok.push(event.token_id))
                    if event.finish_reason is not None:
                        run.handle.put(run.detok.flush())
                        del self._runs[event.seq_id]
                        self._by_handle.pop(run.handle.id, None)
                        run.handle.finish(event.finish_reason)
