//! Emails from templates: the kind's texts come from the catalogs (`mail-<kind>-subject`,
//! `-body`, `-action`, `-digest`, filled with the notification's data), the frame from askama
//! templates (`notifier/templates/mail.{txt,html}`, `digest.{txt,html}`). Every email names the
//! platform and links back to its item; optional kinds carry their unsubscribe link.

use askama::Template;
use url::Url;
use veche_core::storage::as_i64;
use veche_core::web::i18n::{Catalog, FluentValue, Lang};

use crate::model::Job;

/// A rendered email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What every email's footer needs.
pub struct Frame<'a> {
    pub catalog: &'a Catalog,
    pub base: &'a Url,
    /// The one-click unsubscribe URL for this email's kind (optional kinds only).
    pub unsubscribe: Option<String>,
}

#[derive(Template)]
#[template(path = "mail.txt")]
struct MailText<'a> {
    m: &'a Mail,
}

#[derive(Template)]
#[template(path = "mail.html")]
struct MailHtml<'a> {
    m: &'a Mail,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct DigestText<'a> {
    m: &'a Mail,
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestHtml<'a> {
    m: &'a Mail,
}

/// The texts an email template fills in, already translated.
struct Mail {
    lang: &'static str,
    platform: String,
    subject: String,
    greeting: String,
    body: String,
    action: String,
    url: String,
    items: Vec<Item>,
    why: String,
    unsubscribe_label: String,
    unsubscribe: Option<String>,
    preferences_label: String,
    preferences: String,
    home: String,
}

struct Item {
    text: String,
    url: String,
}

/// The kind's template variables: the job's data, and `name` (the recipient's name, else the
/// address) when the data has none, so that a text greeting by name always has one.
fn args(job: &Job) -> Vec<(&str, FluentValue<'_>)> {
    let mut args: Vec<(&str, FluentValue<'_>)> = job
        .data
        .iter()
        .map(|(k, v)| (k.as_str(), FluentValue::from(v.as_str())))
        .collect();
    if !job.data.contains_key("name") {
        let name = job
            .recipient
            .name
            .as_deref()
            .unwrap_or(job.recipient.email.as_str());
        args.push(("name", FluentValue::from(name)));
    }
    args
}

/// The absolute URL of a path on this site (paths were checked at enqueue: `/…`, not `//…`).
fn absolute(base: &Url, path: &str) -> String {
    base.join(path.trim_start_matches('/'))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| base.to_string())
}

impl Mail {
    fn new(frame: &Frame<'_>, lang: Lang, job: &Job, subject: String) -> Mail {
        let c = frame.catalog;
        let platform = c.t(lang, "app-name");
        let name = job
            .recipient
            .name
            .clone()
            .or_else(|| job.data.get("name").cloned());
        let greeting = match &name {
            Some(name) => c.t_args(
                lang,
                "mail-greeting-name",
                &[("name", FluentValue::from(name.as_str()))],
            ),
            None => c.t(lang, "mail-greeting"),
        };
        Mail {
            lang: lang.code(),
            subject: c.t_args(
                lang,
                "mail-subject",
                &[
                    ("platform", FluentValue::from(platform.as_str())),
                    ("subject", FluentValue::from(subject.as_str())),
                ],
            ),
            platform,
            greeting,
            body: String::new(),
            action: String::new(),
            url: absolute(
                frame.base,
                job.data.get("link").map(String::as_str).unwrap_or("/"),
            ),
            items: Vec::new(),
            why: String::new(),
            unsubscribe_label: c.t(lang, "mail-unsubscribe"),
            unsubscribe: frame.unsubscribe.clone(),
            preferences_label: c.t(lang, "mail-preferences"),
            preferences: absolute(frame.base, "/profile/notifications"),
            home: frame.base.to_string(),
        }
    }
}

fn render_err(e: askama::Error) -> String {
    format!("template: {e}")
}

/// One notification as an email.
pub fn single(frame: &Frame<'_>, job: &Job) -> Result<Rendered, String> {
    let c = frame.catalog;
    let lang = job.locale;
    let kind = job.kind.as_str();
    for part in ["subject", "body", "action"] {
        if !c.has(&format!("mail-{kind}-{part}")) {
            return Err(format!("no catalog text mail-{kind}-{part}"));
        }
    }
    let args = args(job);
    let subject = c.t_args(lang, &format!("mail-{kind}-subject"), &args);
    let mut mail = Mail::new(frame, lang, job, subject);
    mail.body = c.t_args(lang, &format!("mail-{kind}-body"), &args);
    mail.action = c.t_args(lang, &format!("mail-{kind}-action"), &args);
    mail.why = c.t_args(
        lang,
        if frame.unsubscribe.is_some() {
            "mail-why-optional"
        } else {
            "mail-why-account"
        },
        &[("platform", FluentValue::from(mail.platform.as_str()))],
    );
    Ok(Rendered {
        subject: mail.subject.clone(),
        text: MailText { m: &mail }.render().map_err(render_err)?,
        html: MailHtml { m: &mail }.render().map_err(render_err)?,
    })
}

/// A day's notifications as one email: one line each, with its link.
pub fn digest(frame: &Frame<'_>, digest: &Job, items: &[Job]) -> Result<Rendered, String> {
    let c = frame.catalog;
    let lang = digest.locale;
    let day = digest.data.get("day").cloned().unwrap_or_default();
    let count = as_i64(items.len());
    let subject = c.t_args(
        lang,
        "mail-digest-subject",
        &[
            ("count", FluentValue::from(count)),
            ("day", FluentValue::from(day.as_str())),
        ],
    );
    let mut mail = Mail::new(frame, lang, digest, subject);
    mail.body = c.t_args(
        lang,
        "mail-digest-body",
        &[
            ("count", FluentValue::from(count)),
            ("day", FluentValue::from(day.as_str())),
        ],
    );
    mail.action = c.t(lang, "mail-digest-action");
    mail.url = absolute(frame.base, "/");
    mail.why = c.t_args(
        lang,
        "mail-why-digest",
        &[("platform", FluentValue::from(mail.platform.as_str()))],
    );
    for item in items {
        let key = format!("mail-{}-digest", item.kind);
        let text = if c.has(&key) {
            c.t_args(lang, &key, &args(item))
        } else {
            c.t_args(lang, &format!("mail-{}-subject", item.kind), &args(item))
        };
        mail.items.push(Item {
            text,
            url: absolute(
                frame.base,
                item.data.get("link").map(String::as_str).unwrap_or("/"),
            ),
        });
    }
    Ok(Rendered {
        subject: mail.subject.clone(),
        text: DigestText { m: &mail }.render().map_err(render_err)?,
        html: DigestHtml { m: &mail }.render().map_err(render_err)?,
    })
}
