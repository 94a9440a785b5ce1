from __future__ import annotations

from litestar import Controller, Request, get, post, put
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED

from app.accounts.auth import client_address, require_user, signed_in, staff_only
from app.platform.i18n import pick
from app.platform.spreadsheets import xlsx_file
from app.scoring import services
from app.scoring.schemas import (
    AssignmentChangeIn,
    AssignmentChangeOut,
    AssignmentOut,
    AutoAssignIn,
    AutoAssignOut,
    ConflictIn,
    ConflictOut,
    ExpertIn,
    ExpertOut,
    ModerationIn,
    OtherReviewOut,
    PromoteIn,
    PromoteOut,
    RankingOut,
    ReopenIn,
    ReviewIn,
    ReviewOut,
    RubricIn,
    RubricOut,
    ScoringConfigOut,
    SelectionIn,
    SelectionOut,
    criterion_out,
    ranking_row_out,
)


async def rubric_out(round_id: int) -> RubricOut:
    config = await services.get_config(round_id)
    return RubricOut(
        criteria=[criterion_out(c) for c in await services.get_criteria(round_id)],
        config=ScoringConfigOut(**{k: config[k] for k in ScoringConfigOut.__struct_fields__}),
        review_began=await services.review_began(round_id),
    )


def review_out(review: dict) -> ReviewOut:
    return ReviewOut(
        assignment_id=review["assignment"],
        application_id=review["application"],
        status=review["status"],
        version=review["version"],
        total=review["total"],
        submitted_at=review["submitted_at"],
        scores=review["scores"],
        comments=review["comments"],
        criteria=[criterion_out(c) for c in review["criteria"]],
        others=None if review["others"] is None else [OtherReviewOut(**o) for o in review["others"]],
    )


def selection_out(preview: dict) -> SelectionOut:
    return SelectionOut(
        params=preview["params"],
        winners=[w["application_id"] for w in preview["winners"]],
        reserve=[r["application_id"] for r in preview["reserve"]],
        rejected=[r["application_id"] for r in preview["rest"]],
        spent_minor=preview["spent_minor"],
    )


class ScoringApi(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    tags = ["review"]

    @get("/criteria", guards=[signed_in], summary="The round's rubric and review settings")
    async def get_criteria(self, round_id: int) -> RubricOut:
        return await rubric_out(round_id)

    @put("/criteria", guards=[staff_only], summary="Replace the rubric and/or settings (until review begins)")
    async def put_criteria(self, request: Request, round_id: int, data: RubricIn) -> RubricOut:
        user = require_user(request)
        await services.replace_rubric(
            round_id=round_id, criteria=data.criteria, config=data.config, actor=user.actor(client_address(request))
        )
        return await rubric_out(round_id)

    @get("/experts", guards=[staff_only], summary="The round's experts with their loads")
    async def list_experts(self, round_id: int) -> list[ExpertOut]:
        return [ExpertOut(**e) for e in await services.list_experts(round_id)]

    @post("/experts", guards=[staff_only], status_code=HTTP_201_CREATED, summary="Add an expert to the round")
    async def add_expert(self, request: Request, round_id: int, data: ExpertIn) -> ExpertOut:
        user = require_user(request)
        added = await services.add_expert(
            round_id=round_id, email=data.email, oblast_code=data.oblast_code, actor=user.actor(client_address(request))
        )
        return ExpertOut(**added)

    @post(
        "/conflicts",
        guards=[signed_in],
        status_code=HTTP_201_CREATED,
        summary="Declare a conflict of interest (an expert for themselves, staff for any expert)",
    )
    async def declare_conflict(self, request: Request, round_id: int, data: ConflictIn) -> ConflictOut:
        user = require_user(request)
        result = await services.declare_conflict(
            round_id=round_id,
            expert_id=data.expert_id if data.expert_id is not None else user.id,
            application_id=data.application_id,
            type=data.type,
            note=data.note,
            user=user,
            actor=user.actor(client_address(request)),
        )
        return ConflictOut(**result)

    @post(
        "/assignments/auto",
        guards=[staff_only],
        status_code=200,
        summary="Assign N experts to every eligible application (balanced, no conflicts, reproducible)",
    )
    async def auto_assign(self, request: Request, round_id: int, data: AutoAssignIn) -> AutoAssignOut:
        user = require_user(request)
        result = await services.auto_assign(
            round_id=round_id,
            per_application=data.per_application,
            seed=data.seed,
            actor=user.actor(client_address(request)),
        )
        return AutoAssignOut(**result)

    @post("/assignments", guards=[staff_only], status_code=200, summary="Add and remove assignments in a batch")
    async def change_assignments(
        self, request: Request, round_id: int, data: AssignmentChangeIn
    ) -> AssignmentChangeOut:
        user = require_user(request)
        result = await services.change_assignments(
            round_id=round_id, add=data.add, remove=data.remove, actor=user.actor(client_address(request))
        )
        return AssignmentChangeOut(**result)

    @get("/ranking", guards=[staff_only], summary="The ranking: scores, flags, thresholds")
    async def ranking(self, round_id: int) -> RankingOut:
        ranked = await services.ranking(round_id)
        return RankingOut(
            round_id=round_id, maximum=ranked["maximum"], rows=[ranking_row_out(r) for r in ranked["rows"]]
        )

    @get(
        "/ranking.xlsx",
        guards=[staff_only],
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        summary="The ranking with per-criterion means, as XLSX",
    )
    async def ranking_xlsx(self, round_id: int) -> File:
        ranked = await services.ranking(round_id)
        keys = [c["key"] for c in ranked["criteria"]]
        header = [
            "rank",
            "application",
            "hromada_code",
            "hromada",
            "oblast",
            "population",
            "score",
            "reviews",
            "flagged",
            "failed",
            *[f"mean:{k}" for k in keys],
        ]
        rows = [
            [
                r["rank"],
                r["application_id"],
                r["hromada_code"],
                r["hromada_name"],
                r["oblast_name"],
                r["population"],
                r["score"],
                r["reviews_submitted"],
                "yes" if r["flagged"] else "",
                ", ".join(r["failed"]),
                *[r["criterion_means"].get(k) for k in keys],
            ]
            for r in ranked["rows"]
        ]
        return xlsx_file(header, rows, f"round-{round_id}-ranking.xlsx", "Ranking")

    @get(
        "/reviews.xlsx",
        guards=[staff_only],
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        summary="Every review with its points and comments, as XLSX",
    )
    async def reviews_xlsx(self, round_id: int) -> File:
        header, rows = await services.review_rows(round_id)
        return xlsx_file(header, rows, f"round-{round_id}-reviews.xlsx", "Reviews")

    @post("/selection", guards=[staff_only], status_code=200, summary="Preview a selection")
    async def preview(self, round_id: int, data: SelectionIn) -> SelectionOut:
        return selection_out(
            await services.preview_selection(
                round_id=round_id, quota=data.quota, budget_minor=data.budget_minor, oblast_cap=data.oblast_cap
            )
        )

    @post("/selection/confirm", guards=[staff_only], status_code=200, summary="Confirm and publish the selection")
    async def confirm(self, request: Request, round_id: int, data: SelectionIn) -> SelectionOut:
        user = require_user(request)
        confirmed = await services.confirm_selection(
            round_id=round_id,
            quota=data.quota,
            budget_minor=data.budget_minor,
            oblast_cap=data.oblast_cap,
            winners=data.winners,
            user=user,
            actor=user.actor(client_address(request)),
        )
        return SelectionOut(
            params=confirmed["params"], winners=confirmed["winners"], reserve=confirmed["reserve"], confirmed=True
        )

    @post(
        "/selection/promote",
        guards=[staff_only],
        status_code=200,
        summary="A winner withdrew: promote the next fitting reserve",
    )
    async def promote(self, request: Request, round_id: int, data: PromoteIn) -> PromoteOut:
        user = require_user(request)
        result = await services.promote_from_reserve(
            round_id=round_id,
            withdrawn_application_id=data.withdrawn_application_id,
            actor=user.actor(client_address(request)),
        )
        return PromoteOut(**result)


class ReviewApi(Controller):
    path = "/api/v1"
    tags = ["review"]

    @get("/me/assignments", guards=[signed_in], summary="Your assignments as an expert")
    async def my_assignments(self, request: Request) -> list[AssignmentOut]:
        rows = await services.my_assignments(user=require_user(request))
        return [
            AssignmentOut(
                assignment_id=r["assignment_id"],
                application_id=r["application"],
                round_id=r["round_id"],
                round_title=pick(r["round_title_uk"], r["round_title_en"]),
                hromada_name=r["hromada_name"],
                oblast_name=pick(r["oblast_name_uk"], r["oblast_name_en"]),
                status=r["status"],
                total=r["total"],
                version=r["version"],
            )
            for r in rows
        ]

    @get("/assignments/{assignment_id:int}/review", guards=[signed_in], summary="Your review of an assignment")
    async def get_review(self, request: Request, assignment_id: int) -> ReviewOut:
        return review_out(await services.get_review(assignment_id=assignment_id, user=require_user(request)))

    @put(
        "/assignments/{assignment_id:int}/review",
        guards=[signed_in],
        summary="Save (or submit) your review; send the version you read",
    )
    async def put_review(self, request: Request, assignment_id: int, data: ReviewIn) -> ReviewOut:
        user = require_user(request)
        review = await services.save_review(
            assignment_id=assignment_id,
            user=user,
            scores=data.scores,
            comments=data.comments,
            submit=data.submit,
            version=data.version,
            actor=user.actor(client_address(request)),
        )
        return review_out(review)

    @post(
        "/reviews/{review_id:int}/reopen",
        guards=[staff_only],
        status_code=200,
        summary="Reopen a submitted review (staff)",
    )
    async def reopen(self, request: Request, review_id: int, data: ReopenIn) -> dict[str, str]:
        user = require_user(request)
        await services.reopen_review(review_id=review_id, reason=data.reason, actor=user.actor(client_address(request)))
        return {"status": "draft"}

    @post(
        "/applications/{application_id:int}/moderation",
        guards=[staff_only],
        status_code=200,
        summary="Record a moderated score for a flagged application (staff)",
    )
    async def moderate(self, request: Request, application_id: int, data: ModerationIn) -> dict[str, float]:
        user = require_user(request)
        await services.moderate(
            application_id=application_id,
            score=data.score,
            justification=data.justification,
            user=user,
            actor=user.actor(client_address(request)),
        )
        return {"score": data.score}
