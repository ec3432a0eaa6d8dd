//! Every index of the ideas' MongoDB adapter.

/// An index's fields in order, each ascending (1) or descending (-1).
pub type IndexKeys = &'static [(&'static str, i32)];

/// Every index the adapter makes: (collection, keys in order with 1 or -1, name). Each query of
/// the adapter is served by one of them (`ideas/tests/indexes.rs` lists the queries and checks
/// the server holds an index for each); uniqueness is each collection's `_id`.
pub const INDEXES: &[(&str, IndexKeys, &str)] = &[
    (
        "idea_projects",
        &[("published", 1), ("created_at", -1), ("_id", -1)],
        "published_created",
    ),
    (
        "idea_projects",
        &[("created_at", -1), ("_id", -1)],
        "created",
    ),
    (
        "ideas",
        &[
            ("project_id", 1),
            ("status", 1),
            ("created_at", -1),
            ("_id", -1),
        ],
        "newest",
    ),
    (
        "ideas",
        &[
            ("project_id", 1),
            ("status", 1),
            ("supports", -1),
            ("_id", -1),
        ],
        "supported",
    ),
    (
        "ideas",
        &[
            ("project_id", 1),
            ("topic", 1),
            ("created_at", -1),
            ("_id", -1),
        ],
        "topic",
    ),
    (
        "ideas",
        &[("author_id", 1), ("created_at", -1), ("_id", -1)],
        "author",
    ),
    ("ideas", &[("project_id", 1), ("exact", 1)], "exact"),
    ("ideas", &[("project_id", 1), ("bands", 1)], "bands"),
    ("ideas", &[("project_id", 1), ("stems", 1)], "stems"),
    ("ideas", &[("queued_at", 1), ("_id", 1)], "queue"),
    (
        "ideas",
        &[("project_id", 1), ("queued_at", 1), ("_id", 1)],
        "project_queue",
    ),
    ("ideas", &[("mail_due.since", 1)], "mail_due"),
    (
        "ideas",
        &[("project_id", 1), ("shortlisted", 1), ("created_at", -1)],
        "shortlisted",
    ),
    (
        "ideas",
        &[("project_id", 1), ("outcome", 1), ("created_at", -1)],
        "outcome",
    ),
    (
        "idea_supports",
        &[("account_id", 1), ("idea_id", 1)],
        "account_idea",
    ),
    ("idea_supports", &[("idea_id", 1)], "idea"),
    ("idea_comments", &[("idea_id", 1), ("_id", 1)], "idea_id"),
    ("idea_comments", &[("awaiting", 1), ("_id", 1)], "awaiting"),
    (
        "idea_follows",
        &[("idea_id", 1), ("account_id", 1)],
        "idea_account",
    ),
    ("idea_scores", &[("project_id", 1)], "project"),
    (
        "idea_decisions",
        &[("project_id", 1), ("day", 1)],
        "project_day",
    ),
    (
        "idea_participants",
        &[("project_id", 1), ("account_id", 1)],
        "project_accounts",
    ),
];
