//! The officials' editor: pure edits of a poll's input, the page, and the forms that change it.

mod edits;
pub(super) mod page;
pub(super) mod submit;

pub use edits::{
    add_option, add_question, edit_question, move_option, move_question, remove_option,
    remove_question, Dir, EditError, QuestionForm, SettingsForm,
};
pub use page::{DistrictGroupView, OptionEdit, Pick, QuestionEdit};
