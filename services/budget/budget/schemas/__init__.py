"""What crosses the wire to and from the budget service.

RPCs (args → result schema). `actor` = {"account_id", "roles", "direction"?} as the gateway asserts it; `viewer`
the same, optional (None for a visitor). Errors: hubkit HubErrors (InvalidInput 400 with field details,
PermissionDenied 403, NotFound 404, Conflict 409 with a `code`).

  reference_data()                                   → dict (stages, themes, scales, sectors, statuses,
                                                        implementation_statuses, follow_kinds, directions,
                                                        id_document_kinds, channels, eligibility_rules)
  list_cycles() / get_cycle({cycle_id})              → CycleSchema (many)
  create_cycle(actor, CycleCreateSchema) / advance_stage(actor, AdvanceSchema) → CycleSchema
  submit_project(actor, ProjectSubmitSchema)         → ProjectSchema
  list_projects(ProjectListQuerySchema, viewer=None) → ProjectPageSchema (one page: `limit`, `offset`, `total`)
  project_counts(CycleIdSchema)                      → ProjectCountsSchema (public, like list_projects: the back office's dashboard)
  get_project({project_id}, viewer=None)             → ProjectSchema (with timeline, lineage, viewer state)
  decide_study(actor, StudySchema) / select_project(actor, SelectSchema) → ProjectSchema
  merge_projects(actor, MergeSchema)                 → ProjectSchema (the merged project)  [co_construction]
  answer_merge_invitation(actor, MergeAnswerSchema)  → ProjectSchema (the merged project)
  confirm_draft_project(actor, DraftConfirmSchema)   → ProjectSchema (a draft from a forwarded idea, submitted)
  my_projects(actor)                                 → MyProjectsSchema
  follow_project(actor, FollowSchema) / unfollow_project(actor, FollowSchema) → FollowStateSchema
  change_project_status(actor, StatusChangeSchema)   → ProjectSchema (with its timeline)  [winners]
  cast_ballot(actor, BallotSchema)                   → BallotReceiptSchema                [vote]
  cast_ballots(batch)                                → hubkit.batching answers, each a BallotReceiptSchema
  record_paper_ballot(actor, PaperBallotSchema)      → PaperBallotReceiptSchema           [vote, agents]
  my_ballot(actor, {cycle_id}) → MyBallotSchema; check_receipt(ReceiptSchema) → ReceiptCheckSchema
  live_counts(actor, {cycle_id}) → LiveCountsSchema; results({cycle_id}) → ResultsSchema
  export_projects_csv(ExportQuerySchema) / export_results_csv({cycle_id}) → CsvExportSchema (text in `content`)
  import_pabulib(actor, ...) → CycleSchema; export_pabulib({cycle_id}) → PabulibExportSchema
  similar_content(SimilarContentQuerySchema)         → SimilarContentSchema (public: the projects of every edition
                                                        closest to a text being typed, best first)

By area: commands (what callers send), views (what the service answers), ballots (the ballot hot path).
"""
# ruff: noqa: F401  (re-exported: callers write schemas.X)
from .commands import (COST, PABULIB_MAX, DIRECTION, ActorSchema, AccountIdSchema, CycleIdSchema,
                       ProjectIdSchema, EligibilitySchema, CycleCreateSchema, AdvanceSchema, ProjectSubmitSchema,
                       ProjectListQuerySchema, StudySchema, SelectSchema, BallotSchema, ReceiptSchema,
                       PabulibImportSchema, MergeSchema, MergeAnswerSchema, PaperBallotSchema, StatusChangeSchema,
                       FollowSchema, DraftConfirmSchema, ExportQuerySchema, SimilarContentQuerySchema)
from .views import (CycleSchema, LineageSchema, TimelineEntrySchema, ViewerStateSchema, ProjectSchema,
                    ProjectCountsSchema, ProjectPageSchema, MyProjectsSchema, FollowStateSchema,
                    PaperBallotReceiptSchema, CsvExportSchema, BallotReceiptSchema, MyBallotSchema,
                    ReceiptCheckSchema, CountSchema, LiveCountsSchema, ResultProjectSchema, ScopeResultSchema,
                    ResultsSchema, PabulibExportSchema, SimilarProjectSchema, SimilarContentSchema)
from .ballots import dump_ballot_receipt, quick_actor, quick_ballot
