"""The workflow as a model: Hypothesis drives the HTTP API in random order (file, edit, submit, withdraw,
screen, assign, declare conflicts, score, preview and confirm a selection, let the deadline pass) and checks
after every step that the rules hold:

- no submission is accepted after the deadline, and none is stored with a time after it;
- at most one assignment and one review per (expert, application);
- every stored review total equals the total recomputed from its stored points and the rubric's weights;
- nobody sees another hromada's application (a draft above all): GET as the other leader is 404;
- every successful state-changing call leaves exactly its audit entries, a refused one leaves none;
- a draft's revision number equals the number of its stored revisions; the model's statuses match the database.

The app runs in an event loop of its own, created for this test, and Hypothesis's synchronous state machine
drives it through that loop.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app.applications.forms import DEFAULT_QUESTIONS, clean_answers, missing_required
from app.applications.tables import Application, ApplicationRevision, Round
from app.asgi import create_app
from app.platform.errors import DomainError
from app.platform.tables import AuditEntry
from app.scoring.rubric import review_total
from app.scoring.tables import Assignment, Criterion, Review, ReviewScore, Selection
from tests.conftest import client_for
from tests.integration.applications.conftest import COMPLETE_ANSWERS
from tests.reliability.conftest import SIMPLE_RULES, bearer, hromada_codes, make_user

LEADERS = 4
EXPERTS = 3
EXAMPLES = 15
STEPS_PER_EXAMPLE = 25
CRITERIA = [
    {"key": "premises", "title_uk": "Приміщення", "max_points": 10, "weight": 2, "threshold": 4},
    {"key": "capacity", "title_uk": "Спроможність", "max_points": 10, "weight": 1},
    {"key": "cofinancing", "title_uk": "Співфінансування", "max_points": 5, "weight": 1.5},
]
REVIEWABLE = ("eligible", "under_review", "scored")
ASSIGNED = ("under_review", "scored", "selected", "reserve", "rejected")
SUBMITTED = ("submitted", "eligible", "ineligible", *ASSIGNED)
ANSWER_VALUES = {
    # Mostly valid; a blank or "a van" (no such choice) or "a lot" (no number) is refused at submission.
    "asc_model": st.sampled_from(["regular", "mobile", "branch", "", "a van"]),
    "project_kind": st.sampled_from(["new", "modernisation", "new", ""]),
    "premises": st.sampled_from(["Перший поверх будівлі ради, 120 м²", "Колишня пошта", "Будинок культури", ""]),
    "cofinancing_percent": st.sampled_from(["15", "20", "7,5", "25", "a lot"]),
    "staff_count": st.sampled_from(["6", "3"]),
}
answers_strategy = st.one_of(
    st.just(COMPLETE_ANSWERS), st.just(COMPLETE_ANSWERS), st.fixed_dictionaries({}, optional=ANSWER_VALUES)
)
_points = {c["key"]: st.sampled_from([0, 0.5, 2, 3.5, 5]) for c in CRITERIA}
points_strategy = st.one_of(st.fixed_dictionaries(_points), st.fixed_dictionaries({}, optional=_points))
STEP_COUNT = Counter()
OUTCOMES = Counter()


@dataclass
class World:
    """What lives across the examples of one run: the loop, the app, its client and the people."""

    loop: asyncio.AbstractEventLoop
    app: Any
    http: httpx.AsyncClient
    tokens: dict[Any, str] = field(default_factory=dict)
    ids: dict[Any, int] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)


async def _open_world(settings) -> World:
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    world = World(loop=asyncio.get_running_loop(), app=application, http=client_for(application))
    user, world.tokens["staff"] = await make_user("staff@model.asc", "staff")
    world.ids["staff"] = user.id
    for index, code in enumerate(await hromada_codes(LEADERS, offset=200)):
        user, world.tokens[("leader", index)] = await make_user(f"leader{index}@model.asc", "applicant", code)
        world.ids[("leader", index)] = user.id
        world.codes[index] = code
    for index in range(EXPERTS):
        user, world.tokens[("expert", index)] = await make_user(f"expert{index}@model.asc", "expert")
        world.ids[("expert", index)] = user.id
    return world


async def _close_world(world: World) -> None:
    await world.http.aclose()
    for hook in world.app.on_shutdown:
        await hook(world.app)


class WorkflowMachine(RuleBasedStateMachine):
    world: World  # set on the subclass the test builds

    def __init__(self) -> None:
        super().__init__()
        self.round_id = 0
        self.round_status = "open"
        self.deadline_passed = False
        self.applications: dict[int, dict[str, Any]] = {}  # leader index -> {"id", "status"}
        self.conflicts: set[tuple[int, int]] = set()  # (expert index, application id)
        self.confirmed = False
        self.confirm_calls = 0
        self.changes = 0  # successful state-changing calls
        self.audited = 0  # audit entries they left, matched to them
        self.first_audit_id = 0

    # --- plumbing ---------------------------------------------------------------------------------

    def run(self, coroutine):
        return self.world.run(coroutine)

    def call(self, method: str, path: str, who: Any, body: Any = None, *, expect: set[int]) -> httpx.Response:
        last = self.run(_last_audit_id())
        response = self.run(self.world.http.request(method, path, json=body, headers=bearer(self.world.tokens[who])))
        assert response.status_code in expect, f"{method} {path} as {who}: {response.status_code} {response.text}"
        self._new_entries = self.run(_audit_since(last))
        if method == "GET":
            assert self._new_entries == [], f"a read left audit entries: {self._new_entries}"
        else:
            OUTCOMES[f"{getattr(self, 'rule_name', 'set-up')} {response.status_code}"] += 1
        if response.status_code >= 400:
            assert self._new_entries == [], f"a refused call left audit entries: {self._new_entries}"
        return response

    def audited_as(self, *expected: tuple[str, Any]) -> None:
        """The last (successful) call changed state: it left exactly these (action, object id) entries;
        an object id of None matches any."""
        found = [(e["action"], e["object_id"]) for e in self._new_entries]
        assert len(found) == len(expected), f"expected audit {expected}, found {found}"
        remaining = list(found)
        for action, object_id in expected:
            match = next(
                (f for f in remaining if f[0] == action and (object_id is None or f[1] == str(object_id))), None
            )
            assert match is not None, f"no audit entry {action} {object_id} in {found}"
            remaining.remove(match)
        self.changes += 1
        self.audited += len(found)

    def no_change(self) -> None:
        assert self._new_entries == [], f"a call that changed nothing left audit entries: {self._new_entries}"

    def pick(self, data, *statuses: str, odds: int = 3) -> int:
        """A leader with an application: ``odds`` times in four one whose application is in ``statuses`` (where
        the action can succeed), otherwise any (where it may have to be refused)."""
        fitting = sorted(k for k, a in self.applications.items() if a["status"] in statuses)
        if fitting and data.draw(st.integers(0, 3), label="fitting") < odds:
            return data.draw(st.sampled_from(fitting), label="leader")
        return data.draw(st.sampled_from(sorted(self.applications)), label="leader")

    def _any(self, statuses: tuple[str, ...]) -> bool:
        return any(a["status"] in statuses for a in self.applications.values())

    @property
    def accepting(self) -> bool:
        return self.round_status == "open" and not self.deadline_passed

    def step(self, name: str) -> None:
        STEP_COUNT["steps"] += 1
        STEP_COUNT[name] += 1
        self.rule_name = name

    def refresh_statuses(self) -> None:
        ids = {a["id"]: a for a in self.applications.values()}
        if ids:
            for row in self.run(
                Application.select(Application.id, Application.status).where(Application.id.is_in(list(ids)))
            ):
                ids[row["id"]]["status"] = row["status"]

    # --- set-up -------------------------------------------------------------------------------------

    @initialize()
    def open_round(self) -> None:
        STEP_COUNT["examples"] += 1
        self.first_audit_id = self.run(_last_audit_id())
        created = self.call(
            "POST",
            "/api/v1/rounds",
            "staff",
            {
                "programme_code": "ulead",
                "title_uk": "Раунд моделі",
                "deadline": "2099-12-31T18:00",
                "rules": SIMPLE_RULES,
                "document_kinds": [],
                "quota": 2,
            },
            expect={201},
        )
        self.round_id = created.json()["id"]
        self.audited_as(("round.create", self.round_id))
        self.call("POST", f"/api/v1/rounds/{self.round_id}/open", "staff", expect={200})
        self.audited_as(("round.open", self.round_id))
        self.call(
            "PUT",
            f"/api/v1/rounds/{self.round_id}/criteria",
            "staff",
            {"criteria": CRITERIA, "config": {"reviews_per_application": 2}},
            expect={200},
        )
        self.audited_as(("rubric.update", self.round_id))
        for index in range(EXPERTS):
            email = f"expert{index}@model.asc"
            self.call("POST", f"/api/v1/rounds/{self.round_id}/experts", "staff", {"email": email}, expect={201})
            self.audited_as(("round.expert_add", self.round_id))

    # --- the one rule: pick an action that can be taken now ------------------------------------------------
    #
    # One rule that draws the action, rather than a rule per action: Hypothesis's swarm testing switches a
    # random half of the rules off for each run, and a review can only be scored after filing, submitting,
    # screening and assigning have all happened. Each action still draws its own arguments, and a failure
    # prints them.

    ACTIONS = (
        # (action, weight, can it be taken now?)
        ("start", 3, lambda self: len(self.applications) < LEADERS and self.accepting),
        ("start", 1, lambda self: len(self.applications) < LEADERS and not self.accepting),
        ("edit", 2, lambda self: self._any(("draft",))),
        ("submit", 4, lambda self: self._any(("draft",))),
        ("withdraw", 1, lambda self: self._any(("draft", "submitted"))),
        ("look", 1, lambda self: True),
        ("deadline_passes", 1, lambda self: self._any(SUBMITTED) and not self.deadline_passed),
        ("close_round", 1, lambda self: self.round_status in ("open", "closed") and self.deadline_passed),
        ("screen", 3, lambda self: self._any(("submitted", "eligible", "ineligible"))),
        ("assign", 3, lambda self: self._any(REVIEWABLE)),
        ("declare_conflict", 1, lambda self: self._any(ASSIGNED)),
        ("score", 8, lambda self: self._any(ASSIGNED)),
        ("select", 2, lambda self: self._any(SUBMITTED) or self.round_status != "open"),
    )

    @rule(data=st.data())
    def act(self, data) -> None:
        choices = [name for name, weight, can in self.ACTIONS if can(self) for _ in range(weight)]
        getattr(self, data.draw(st.sampled_from(choices), label="action"))(data)

    # --- applicants ----------------------------------------------------------------------------------

    def start(self, data) -> None:
        answers = data.draw(answers_strategy, label="answers")
        self.step("start")
        # Mostly a leader without an application yet; sometimes any (a second one is refused).
        fresh = [i for i in range(LEADERS) if i not in self.applications]
        if data.draw(st.integers(0, 3), label="fresh") > 0:
            leader = data.draw(st.sampled_from(fresh), label="leader")
        else:
            leader = data.draw(st.integers(0, LEADERS - 1), label="leader")
        can = self.accepting and leader not in self.applications
        code = self.world.codes[leader]
        response = self.call(
            "POST",
            f"/api/v1/rounds/{self.round_id}/applications",
            ("leader", leader),
            {"hromada_code": code, "answers": answers},
            expect={201} if can else {409},
        )
        if response.status_code == 201:
            application_id = response.json()["id"]
            self.applications[leader] = {"id": application_id, "status": "draft"}
            self.audited_as(("application.create", application_id))

    def edit(self, data) -> None:
        answers = data.draw(answers_strategy, label="answers")
        self.step("edit")
        leader = self.pick(data, "draft")
        application = self.applications[leader]
        before = self.run(_revision(application["id"]))
        can = application["status"] == "draft" and self.accepting
        response = self.call(
            "PATCH",
            f"/api/v1/applications/{application['id']}",
            ("leader", leader),
            {"answers": answers},
            expect={200} if can else {409},
        )
        if response.status_code == 200:
            after = response.json()["revision"]
            assert after in (before, before + 1)
            if after == before + 1:
                self.audited_as(("application.save", application["id"]))
            else:
                self.no_change()

    def submit(self, data) -> None:
        self.step("submit")
        leader = self.pick(data, "draft")
        application = self.applications[leader]
        can = application["status"] == "draft" and self.accepting
        response = self.call(
            "POST",
            f"/api/v1/applications/{application['id']}/submit",
            ("leader", leader),
            expect={200, 422} if can else {409},
        )
        stored = self.run(_answers(application["id"]))
        if response.status_code == 422:
            assert not _complete(stored), f"a complete draft was refused: {stored} {response.text}"
        elif response.status_code == 200:
            assert _complete(stored)
            application["status"] = "submitted"
            self.audited_as(("application.submit", application["id"]))

    def withdraw(self, data) -> None:
        self.step("withdraw")
        leader = self.pick(data, "draft", "submitted", odds=1)
        application = self.applications[leader]
        can = application["status"] in ("draft", "submitted") and not self.deadline_passed
        response = self.call(
            "POST",
            f"/api/v1/applications/{application['id']}/withdraw",
            ("leader", leader),
            expect={200} if can else {409},
        )
        if response.status_code == 200:
            application["status"] = "withdrawn"
            self.audited_as(("application.withdraw", application["id"]))

    def look(self, data) -> None:
        """A leader opens their own application (it is as the model says) and tries another hromada's (404,
        whatever its state)."""
        leader = data.draw(st.integers(0, LEADERS - 1), label="leader")
        other = data.draw(st.integers(1, LEADERS - 1), label="other")
        self.step("look")
        mine = self.call("GET", "/api/v1/applications/mine", ("leader", leader), expect={200}).json()
        mine = [a for a in mine if a["round_id"] == self.round_id]
        expected = self.applications.get(leader)
        assert [a["status"] for a in mine] == ([expected["status"]] if expected else [])
        theirs = self.applications.get((leader + other) % LEADERS)
        if theirs:
            self.call("GET", f"/api/v1/applications/{theirs['id']}", ("leader", leader), expect={404})

    def deadline_passes(self, data) -> None:
        """The clock reaches the deadline: set it to now in the database (as if the time had come)."""
        self.step("deadline_passes")
        self.run(Round.update({Round.deadline: datetime.now(UTC)}).where(Round.id == self.round_id))
        self.deadline_passed = True

    # --- staff ------------------------------------------------------------------------------------------

    def close_round(self, data) -> None:
        """Staff close the round after its deadline, and perhaps begin the review at once."""
        begin_review = data.draw(st.booleans(), label="begin_review")
        self.step("close_round")
        if self.round_status == "open":
            self.call("POST", f"/api/v1/rounds/{self.round_id}/close", "staff", expect={200})
            self.audited_as(("round.closed", self.round_id))
            self.round_status = "closed"
            if not begin_review:
                return
        self.call("POST", f"/api/v1/rounds/{self.round_id}/status", "staff", {"status": "under_review"}, expect={200})
        self.audited_as(("round.under_review", self.round_id))
        self.round_status = "under_review"

    def screen(self, data) -> None:
        eligible = data.draw(st.sampled_from([None, None, True, False]), label="eligible")
        self.step("screen")
        leader = self.pick(data, "submitted")
        application = self.applications[leader]
        can = application["status"] in ("submitted", "eligible", "ineligible")
        response = self.call(
            "POST",
            f"/api/v1/applications/{application['id']}/screening",
            "staff",
            {"eligible": eligible, "reason": "Перевірено за документами"},
            expect={200} if can else {409},
        )
        if response.status_code == 200:
            # Everyone passes this round's rules, so the computed verdict is "eligible".
            application["status"] = "ineligible" if eligible is False else "eligible"
            assert response.json()["status"] == application["status"]
            self.audited_as(("application.screen", application["id"]))

    def assign(self, data) -> None:
        """Staff assign experts: automatically (two per eligible application) or one pair by hand."""
        expert = data.draw(st.integers(0, EXPERTS - 1), label="expert")
        automatic = data.draw(st.booleans(), label="automatic")
        seed = data.draw(st.integers(0, 3), label="seed")
        self.step("assign")
        if automatic:
            self.call(
                "POST",
                f"/api/v1/rounds/{self.round_id}/assignments/auto",
                "staff",
                {"per_application": 2, "seed": seed},
                expect={200},
            )
            self.audited_as(("assignment.auto", self.round_id))
            self._statuses_after_assigning()
            return
        leader = self.pick(data, *REVIEWABLE)
        application = self.applications[leader]
        if (expert, application["id"]) in self.conflicts:
            expect = {409}
        else:
            expect = {200} if application["status"] in REVIEWABLE else {422}
        response = self.call(
            "POST",
            f"/api/v1/rounds/{self.round_id}/assignments",
            "staff",
            {"add": [{"application_id": application["id"], "expert_id": self.world.ids[("expert", expert)]}]},
            expect=expect,
        )
        if response.status_code == 200:
            self.audited_as(("assignment.change", self.round_id))
            self._statuses_after_assigning()

    def _statuses_after_assigning(self) -> None:
        before = {leader: a["status"] for leader, a in self.applications.items()}
        self.refresh_statuses()
        for leader, application in self.applications.items():
            if application["status"] != before[leader]:
                assert (before[leader], application["status"]) == ("eligible", "under_review")

    def declare_conflict(self, data) -> None:
        expert = data.draw(st.integers(0, EXPERTS - 1), label="expert")
        self.step("declare_conflict")
        leader = self.pick(data, *ASSIGNED)
        application = self.applications[leader]
        self.call(
            "POST",
            f"/api/v1/rounds/{self.round_id}/conflicts",
            ("expert", expert),
            {"application_id": application["id"], "type": "family", "note": "Родич голови громади"},
            expect={201},
        )
        self.audited_as(("conflict.declare", application["id"]))
        self.conflicts.add((expert, application["id"]))

    # --- experts ---------------------------------------------------------------------------------------

    def score(self, data) -> None:
        """An expert with an assignment in the round saves or submits a review, sometimes from a stale page."""
        with_reviews = self.run(_experts_with_reviews(self.round_id))
        experts = [i for i in range(EXPERTS) if self.world.ids[("expert", i)] in with_reviews]
        if not experts:  # a declared conflict took the last assignment away
            return
        expert = data.draw(st.sampled_from(experts), label="expert")
        points = data.draw(points_strategy, label="points")
        submit = data.draw(st.booleans(), label="submit")
        stale = data.draw(st.booleans(), label="stale")
        self.step("score")
        who = ("expert", expert)
        mine = self.call("GET", "/api/v1/me/assignments", who, expect={200}).json()
        mine = [a for a in mine if a["round_id"] == self.round_id]
        assignment = data.draw(st.sampled_from(mine), label="assignment")
        url = f"/api/v1/assignments/{assignment['assignment_id']}/review"
        review = self.call("GET", url, who, expect={200}).json()
        stale = stale and review["version"] > 1
        merged = {**{k: v for k, v in review["scores"].items() if v is not None}, **points}
        if review["status"] == "submitted" or stale:
            expect = {409}
        elif submit and len(merged) < len(CRITERIA):
            expect = {422}
        else:
            expect = {200}
        version = review["version"] - 1 if stale else review["version"]
        response = self.call("PUT", url, who, {"scores": points, "submit": submit, "version": version}, expect=expect)
        if response.status_code == 200:
            review_id = self.run(_review_id(assignment["assignment_id"]))
            self.audited_as(("review.submit" if submit else "review.save", review_id))
            assert response.json()["version"] == review["version"] + 1
            before = {leader: a["status"] for leader, a in self.applications.items()}
            self.refresh_statuses()
            for leader, application in self.applications.items():
                if application["status"] != before[leader]:
                    assert (before[leader], application["status"]) == ("under_review", "scored")

    # --- selection ---------------------------------------------------------------------------------------

    def select(self, data) -> None:
        """Staff preview a selection and perhaps confirm it: 200 once the round is closed, 409 before that and
        for a second confirmation; the confirmed winners are the previewed ones."""
        quota = data.draw(st.integers(1, 3), label="quota")
        confirm = data.draw(st.booleans(), label="confirm")
        self.step("select")
        response = self.call(
            "POST", f"/api/v1/rounds/{self.round_id}/selection", "staff", {"quota": quota}, expect={200}
        )
        self.no_change()
        preview = response.json()
        winners, reserve, rejected = set(preview["winners"]), set(preview["reserve"]), set(preview["rejected"])
        assert len(winners) <= quota
        assert not (winners & reserve or winners & rejected or reserve & rejected)
        if not confirm or self.confirm_calls >= 2:
            return
        self.confirm_calls += 1
        can = self.round_status in ("closed", "under_review") and not self.confirmed
        response = self.call(
            "POST",
            f"/api/v1/rounds/{self.round_id}/selection/confirm",
            "staff",
            {"quota": quota},
            expect={200} if can else {409},
        )
        if response.status_code == 200:
            assert response.json()["winners"] == preview["winners"]
            self.audited_as(("selection.confirm", self.round_id), *[("project.create", None)] * len(winners))
            self.confirmed = True
            self.round_status = "decided"
            self.refresh_statuses()
            for application in self.applications.values():
                if application["id"] in winners:
                    assert application["status"] == "selected"

    # --- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def nothing_is_submitted_after_the_deadline(self) -> None:
        deadline = self.run(Round.select(Round.deadline).where(Round.id == self.round_id).first())["deadline"]
        rows = self.run(
            Application.select(Application.id, Application.submitted_at).where(
                (Application.round == self.round_id) & Application.submitted_at.is_not_null()
            )
        )
        late = [row for row in rows if row["submitted_at"] > deadline]
        assert not late, f"submitted after the deadline {deadline}: {late}"

    @invariant()
    def one_review_per_expert_and_application(self) -> None:
        pairs = self.run(
            Review.select(Review.expert, Review.application).where(Review.application.round == self.round_id)
        )
        repeated = [pair for pair, n in Counter((p["expert"], p["application"]) for p in pairs).items() if n > 1]
        assert not repeated, f"more than one review for (expert, application): {repeated}"
        assigned = self.run(
            Assignment.select(Assignment.expert, Assignment.application).where(Assignment.round == self.round_id)
        )
        repeated = [pair for pair, n in Counter((p["expert"], p["application"]) for p in assigned).items() if n > 1]
        assert not repeated, f"more than one assignment for (expert, application): {repeated}"

    @invariant()
    def stored_totals_equal_the_recomputed_totals(self) -> None:
        criteria = self.run(Criterion.select().where(Criterion.round == self.round_id))
        reviews = self.run(
            Review.select(Review.id, Review.version, Review.total).where(Review.application.round == self.round_id)
        )
        if not reviews:
            return
        points: dict[int, dict[str, float | None]] = {r["id"]: {} for r in reviews}
        for row in self.run(ReviewScore.select().where(ReviewScore.review.is_in(list(points)))):
            points[row["review"]][row["criterion_key"]] = row["points"]
        for review in reviews:
            if review["version"] == 1:
                assert review["total"] is None and not points[review["id"]]
            else:
                assert review["total"] == review_total(criteria, points[review["id"]]), (review, points[review["id"]])

    @invariant()
    def no_draft_is_visible_to_another_hromada(self) -> None:
        for leader, application in self.applications.items():
            if application["status"] != "draft":
                continue
            other = ("leader", (leader + 1) % LEADERS)
            response = self.run(
                self.world.http.get(
                    f"/api/v1/applications/{application['id']}", headers=bearer(self.world.tokens[other])
                )
            )
            assert response.status_code == 404, f"{application} visible to {other}: {response.status_code}"
            assert "answers" not in response.json()

    @invariant()
    def every_change_is_audited_and_nothing_else(self) -> None:
        """Each successful change was matched to its own entries as it happened (``audited_as``); here, the log
        holds those and no others: nothing was written by a read, a refusal or behind the API's back."""
        written = self.run(AuditEntry.count().where(AuditEntry.id > self.first_audit_id))
        assert written == self.audited, f"{written} audit entries for {self.audited} matched to {self.changes} changes"

    @invariant()
    def revisions_match_and_the_model_matches_the_database(self) -> None:
        if not self.applications:
            return
        ids = [a["id"] for a in self.applications.values()]
        rows = {
            r["id"]: r
            for r in self.run(
                Application.select(Application.id, Application.status, Application.revision).where(
                    Application.id.is_in(ids)
                )
            )
        }
        revisions = Counter(
            r["application"]
            for r in self.run(
                ApplicationRevision.select(ApplicationRevision.application).where(
                    ApplicationRevision.application.is_in(ids)
                )
            )
        )
        for application in self.applications.values():
            row = rows[application["id"]]
            assert row["status"] == application["status"], (row, application)
            assert revisions[application["id"]] == row["revision"], (row, revisions[application["id"]])
        selections = self.run(Selection.count().where(Selection.round == self.round_id))
        assert selections == (1 if self.confirmed else 0)


async def _last_audit_id() -> int:
    row = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id, ascending=False).first()
    return row["id"] if row else 0


async def _audit_since(last: int) -> list[dict]:
    return await AuditEntry.select(AuditEntry.action, AuditEntry.object_id).where(AuditEntry.id > last)


async def _revision(application_id: int) -> int:
    return (await Application.select(Application.revision).where(Application.id == application_id).first())["revision"]


async def _answers(application_id: int) -> dict:
    row = await Application.select(Application.answers).where(Application.id == application_id).first()
    import json

    return json.loads(row["answers"]) if isinstance(row["answers"], str) else row["answers"]


async def _experts_with_reviews(round_id: int) -> set[int]:
    rows = await Review.select(Review.expert).where(Review.application.round == round_id)
    return {row["expert"] for row in rows}


async def _review_id(assignment_id: int) -> int:
    return (await Review.select(Review.id).where(Review.assignment == assignment_id).first())["id"]


def _complete(answers: dict) -> bool:
    try:
        cleaned = clean_answers(DEFAULT_QUESTIONS, answers, strict=True)
    except DomainError:
        return False
    return not missing_required(DEFAULT_QUESTIONS, cleaned)


def test_the_workflow_keeps_its_invariants_in_any_order(settings):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        world = loop.run_until_complete(_open_world(settings))
        loop.run_until_complete(_programme())
        machine = type("Machine", (WorkflowMachine,), {"world": world})
        STEP_COUNT.clear()
        OUTCOMES.clear()
        try:
            run_state_machine_as_test(
                machine,
                settings=hypothesis_settings(
                    max_examples=EXAMPLES,
                    stateful_step_count=STEPS_PER_EXAMPLE,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                ),
            )
        finally:
            loop.run_until_complete(_close_world(world))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    details = ", ".join(f"{name}: {n}" for name, n in sorted(OUTCOMES.items()) if not name.startswith("set-up"))
    rules = ", ".join(f"{name}: {n}" for name, n in sorted(STEP_COUNT.items()) if name not in ("steps", "examples"))
    print(f"\nworkflow model: {STEP_COUNT['steps']} steps in {STEP_COUNT['examples']} runs")
    print(f"steps by rule: {rules}")
    print(f"calls by outcome: {details}")
    assert STEP_COUNT["steps"] >= EXAMPLES * STEPS_PER_EXAMPLE // 2


async def _programme() -> None:
    from app.applications.services.rounds import ensure_programme

    await ensure_programme(code="ulead", name_uk="U-LEAD з Європою", name_en="U-LEAD with Europe")
