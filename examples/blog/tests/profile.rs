//! The chapter's Profile example (section 7.3.3) on every backend: the post_save receivers
//! create a profile for every new user and save it with the user; `user.profile` and
//! `profile.user` reach each other; deleting the user deletes the profile.

use blog::models::{connect_profile_signals, Profile};
use djorm::prelude::*;
use djorm::testing::{test_backends, TestDatabase};
use djorm_auth::{User, UserManager};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_user_gets_a_profile() {
    connect_profile_signals();
    for backend in test_backends() {
        let mut models = djorm_auth::models::all();
        models.push(Profile::meta());
        let t = TestDatabase::new(backend, &models).await.expect("a test database");
        let db = t.db();
        let mut ada = User::objects().create_user(db, "ada", Some("ada@example.com"), None).await.expect("user");
        let mut profile = ReverseOne::<Profile>::of(&ada, "profile").get(db).await.expect("made by the receiver");
        assert_eq!(profile.user.id, ada.id, "{backend}");
        profile.location = "London".into();
        profile.save(db).await.expect("save");
        assert_eq!(profile.user.get(db).await.expect("profile.user").username, "ada");

        // Saving the user saves the profile (the second receiver); no second profile.
        ada.first_name = "Ada".into();
        ada.save(db).await.expect("save");
        assert_eq!(Profile::objects().count(db).await.expect("count"), 1, "{backend}");
        let reread = Profile::objects().get(db, Q::new("user__username", "ada")).await.expect("profile");
        assert_eq!(reread.location, "London");

        User::objects().create_user(db, "grace", None, None).await.expect("user");
        assert_eq!(Profile::objects().count(db).await.expect("count"), 2, "{backend}");
        ada.delete(db).await.expect("delete");
        let left: Vec<String> = Profile::objects().values_list_flat(db, "user__username").await.expect("read");
        assert_eq!(left, ["grace"], "{backend}: the profile went with its user");
    }
}
