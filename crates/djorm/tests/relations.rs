//! Section 7.3 of the chapter, line by line, and relation-spanning lookups, on both backends.

#[path = "common/blog.rs"]
mod blog;
use blog::*;
use djorm::prelude::*;
use djorm::testing::assert_num_queries;

/// `name` quoted as `db`'s dialect quotes identifiers (`"name"`, or `` `name` `` on MariaDB).
fn quoted(db: &Db, name: &str) -> String {
    let mut out = String::new();
    db.dialect().write_ident(&mut out, name);
    out
}

async fn author(db: &Db, name: &str) -> djorm::Result<Author> {
    Author::objects().create(db, Author { name: name.into(), ..Default::default() }).await
}

async fn tag(db: &Db, name: &str) -> djorm::Result<Tag> {
    Tag::objects().create(db, Tag { name: name.into(), slug: name.to_lowercase(), ..Default::default() }).await
}

async fn post(db: &Db, title: &str, author: &Author) -> djorm::Result<Post> {
    Post::objects().create(db, Post { title: title.into(), author: author.into(), ..Default::default() }).await
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

djorm::backend_tests! {
    models = [User, Author, Tag, Post, PostTag, Comment, Profile];

    async fn foreign_key_forward_and_reverse(db) {
        let author = author(&db, "Jane Doe").await?;
        // Method 1: assign ForeignKey — post = Post(title="New Post", author=author); post.save()
        let mut new_post = Post { title: "New Post".into(), author: (&author).into(), ..Default::default() };
        new_post.save(&db).await?;
        // Method 2: use related manager — author.posts.create(title="Another Post", content="...")
        let another = author.posts.create(&db, Post { title: "Another Post".into(), content: "...".into(), ..Default::default() }).await?;
        assert_eq!(another.author.id, author.id, "create() through the manager sets the key");

        // Forward: post = Post.objects.get(id=1); author_name = post.author.name
        let post = Post::objects().get(&db, q!(Post, id = new_post.id)).await?;
        assert_eq!(post.author.id, author.id, "the key is always there (post.author_id)");
        assert!(post.author.cached().is_none(), "no hidden query: not loaded until asked");
        assert_eq!(post.author.get(&db).await?.name, "Jane Doe");

        // Reverse: author.posts.all()
        let author = Author::objects().get(&db, q!(Author, id = author.id)).await?;
        assert_eq!(titles(&author.posts.all(&db).await?), ["New Post", "Another Post"]);
        assert_eq!(author.posts.count(&db).await?, 2);
        let filtered = author.posts.filter(q!(Post, title__startswith = "New"))?.all(&db).await?;
        assert_eq!(titles(&filtered), ["New Post"]);
        // An unsaved instance's manager refuses, rather than querying with a NULL key.
        let unsaved = Author::default();
        assert!(unsaved.posts.all(&db).await.is_err());
        Ok(())
    }

    async fn many_to_many_add_remove_clear(db) {
        let jane = author(&db, "Jane").await?;
        let post = post(&db, "Tagged", &jane).await?;
        let django = tag(&db, "Django").await?;
        let python = tag(&db, "Python").await?;
        // post.tags.add(tag1, tag2)
        post.tags.add(&db, [&django, &python]).await?;
        post.tags.add(&db, [&django]).await?; // adding twice keeps one row, as Django
        let mut names: Vec<String> = post.tags.all(&db).await?.into_iter().map(|t| t.name).collect();
        names.sort();
        assert_eq!(names, ["Django", "Python"]);
        // tag.posts.all()
        let tag = Tag::objects().get(&db, q!(Tag, name = "Django")).await?;
        assert_eq!(titles(&tag.posts.all(&db).await?), ["Tagged"]);
        // post.tags.remove(tag1)
        post.tags.remove(&db, [&django]).await?;
        assert_eq!(post.tags.count(&db).await?, 1);
        // post.tags.clear()
        post.tags.clear(&db).await?;
        assert_eq!(post.tags.count(&db).await?, 0);
        // set() replaces the whole set
        post.tags.set(&db, [&django, &python]).await?;
        post.tags.set(&db, [&python]).await?;
        assert_eq!(post.tags.all(&db).await?.into_iter().map(|t| t.name).collect::<Vec<_>>(), ["Python"]);
        // from the other side: tag.posts.add(post), tag.posts.set([...])
        django.posts.add(&db, [&post]).await?;
        assert_eq!(post.tags.count(&db).await?, 2);
        django.posts.set(&db, []).await?;
        assert_eq!(post.tags.count(&db).await?, 1);
        Ok(())
    }

    async fn through_model(db) {
        let jane = author(&db, "Jane").await?;
        let post = post(&db, "Through", &jane).await?;
        let rust = tag(&db, "Rust").await?;
        let orm = tag(&db, "ORM").await?;
        // PostTag.objects.create(post=post, tag=tag)
        let link = PostTag::objects().create(&db, PostTag { post: (&post).into(), tag: (&rust).into(), ..Default::default() }).await?;
        assert!(link.added_at <= Utc::now());
        // add() through the through model fills added_at (auto_now_add) for you
        post.dated_tags.add(&db, [&orm]).await?;
        let mut names: Vec<String> = post.dated_tags.all(&db).await?.into_iter().map(|t| t.name).collect();
        names.sort();
        assert_eq!(names, ["ORM", "Rust"]);
        assert_eq!(titles(&rust.tagged_posts.all(&db).await?), ["Through"]);
        assert_eq!(PostTag::objects().count(&db).await?, 2);
        // lookups through the through table
        assert_eq!(Post::objects().filter(q!(Post, dated_tags__name = "ORM")).count(&db).await?, 1);
        Ok(())
    }

    async fn one_to_one_profile(db) {
        let alice = User::objects().create(&db, User { username: "alice".into(), ..Default::default() }).await?;
        let bob = User::objects().create(&db, User { username: "bob".into(), ..Default::default() }).await?;
        Profile::objects().create(&db, Profile { user: (&alice).into(), location: "Lagos".into(), ..Default::default() }).await?;
        // profile = user.profile
        let alice = User::objects().get(&db, q!(User, username = "alice")).await?;
        let profile = alice.profile.get(&db).await?;
        assert_eq!(profile.location, "Lagos");
        // user = profile.user
        assert_eq!(profile.user.get(&db).await?.username, "alice");
        // A user without a profile: DoesNotExist, as Django's RelatedObjectDoesNotExist.
        let err = bob.profile.get(&db).await.expect_err("no profile");
        assert!(err.is_does_not_exist(), "{err}");
        // The key is unique: a second profile for alice is an IntegrityError.
        let err = Profile::objects().create(&db, Profile { user: (&alice).into(), ..Default::default() }).await.expect_err("unique");
        assert!(err.is_unique_violation(), "{err:?}");
        // prefetch_related on the reverse one-to-one: one object or none per user, in one query.
        let users = assert_num_queries(&db, 2, User::objects().order_by(["username"]).prefetch_related(["profile"]).all(&db)).await?;
        assert_eq!(users[0].profile.cached().map(|p| p.location.as_str()), Some("Lagos"));
        assert!(users[1].profile.cached().is_none(), "bob has no profile");
        // Hits and misses are remembered, as Django caches them: no query for either.
        let (alice, bob) = (&users[0], &users[1]);
        let found = assert_num_queries(&db, 0, alice.profile.get(&db)).await?;
        assert_eq!(found.location, "Lagos");
        let missing = assert_num_queries(&db, 0, bob.profile.get(&db)).await.expect_err("no profile");
        assert_eq!(missing.class(), "DoesNotExist");
        assert!(bob.profile.is_cached());
        // Not prefetched: one query, and the same answer.
        let fresh = User::objects().get(&db, q!(User, username = "bob")).await?;
        let missing = assert_num_queries(&db, 1, fresh.profile.get(&db)).await.expect_err("no profile");
        assert_eq!(missing.class(), "DoesNotExist");
        // lookups both ways
        assert_eq!(User::objects().filter(q!(User, profile__location = "Lagos")).count(&db).await?, 1);
        assert_eq!(Profile::objects().filter(q!(Profile, user__username = "alice")).count(&db).await?, 1);
        Ok(())
    }

    async fn lookups_span_relations_both_ways(db) {
        let jane = author(&db, "Jane Doe").await?;
        let john = author(&db, "John Smith").await?;
        let p1 = post(&db, "Django tips", &jane).await?;
        let p2 = post(&db, "Rust tips", &john).await?;
        let _p3 = post(&db, "Untagged", &john).await?;
        let rust = tag(&db, "rust").await?;
        p2.tags.add(&db, [&rust]).await?;
        p1.tags.add(&db, [&tag(&db, "django").await?]).await?;
        // Post.objects.filter(author__name="Jane Doe")
        assert_eq!(titles(&Post::objects().filter(q!(Post, author__name = "Jane Doe")).all(&db).await?), ["Django tips"]);
        // posts__title__icontains from Author
        let authors = Author::objects().filter(q!(Author, posts__title__icontains = "RUST")).all(&db).await?;
        assert_eq!(authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["John Smith"]);
        // tags__name, several hops: tag → posts → author
        assert_eq!(Post::objects().filter(q!(Post, tags__name = "rust")).count(&db).await?, 1);
        let via_tags = Author::objects().filter(q!(Author, posts__tags__name = "django")).all(&db).await?;
        assert_eq!(via_tags.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Jane Doe"]);
        assert_eq!(Tag::objects().filter(q!(Tag, posts__author__name__startswith = "John")).count(&db).await?, 1);
        // Comparing the key itself, and a reverse relation being empty (LEFT OUTER JOIN).
        assert_eq!(Post::objects().filter(q!(Post, author = john.id)).count(&db).await?, 2);
        assert_eq!(Post::objects().filter(q!(Post, author__in = [jane.id, john.id])).count(&db).await?, 3);
        let untagged = Post::objects().filter(q!(Post, tags__isnull = true)).all(&db).await?;
        assert_eq!(titles(&untagged), ["Untagged"]);
        // Chained filter + exclude across a relation, as in the chapter.
        let chained = Post::objects().filter(q!(Post, published = false)).exclude(q!(Post, author__name = "John Smith")).all(&db).await?;
        assert_eq!(titles(&chained), ["Django tips"]);
        // OR across relations: Q(author__name="Jane Doe") | Q(title__icontains="rust")
        let either = Post::objects().filter(q!(Post, author__name = "Jane Doe") | q!(Post, title__icontains = "rust")).all(&db).await?;
        assert_eq!(titles(&either), ["Django tips", "Rust tips"]);
        // values() across a relation
        let rows = Post::objects().filter(q!(Post, title = "Rust tips")).values(&db, &["title", "author__name"]).await?;
        assert_eq!(rows[0].get("author__name"), Some(&Value::String("John Smith".into())));
        // order_by across a relation
        let ordered = Post::objects().order_by(["-author__name", "title"]).all(&db).await?;
        assert_eq!(titles(&ordered), ["Rust tips", "Untagged", "Django tips"]);
        // The dynamic form lists relations among the choices.
        let err = Post::objects().filter(Q::new("auther__name", "x")).count(&db).await.expect_err("typo");
        assert!(err.to_string().contains("Choices are: author, author_id, comments, content, dated_tags, id, posttag, published, tags, title, views"), "{err}");
        Ok(())
    }

    async fn values_and_ordering_across_relations_keep_rows_without_related_rows(db) {
        let jane = author(&db, "Jane").await?;
        author(&db, "Lonely").await?;
        post(&db, "Hello", &jane).await?;
        // Django: values() across a reverse key is a LEFT OUTER JOIN; an author without posts
        // stays, with None.
        let rows = Author::objects().order_by(["name"]).values(&db, &["name", "posts__title"]).await?;
        let pairs: Vec<(Option<&Value>, Option<&Value>)> =
            rows.iter().map(|r| (r.get("name"), r.get("posts__title"))).collect();
        assert_eq!(
            pairs,
            [
                (Some(&Value::String("Jane".into())), Some(&Value::String("Hello".into()))),
                (Some(&Value::String("Lonely".into())), Some(&Value::Null)),
            ]
        );
        // Ordering through a nullable key keeps authors without a user, too.
        let by_user = Author::objects().order_by(["user__username", "name"]).all(&db).await?;
        assert_eq!(by_user.len(), 2);
        Ok(())
    }

    async fn chained_filters_join_twice_single_filter_joins_once(db) {
        let jane = author(&db, "Jane").await?;
        let both = post(&db, "both tags", &jane).await?;
        let only_a = post(&db, "only a", &jane).await?;
        let (a, b) = (tag(&db, "a").await?, tag(&db, "b").await?);
        both.tags.add(&db, [&a, &b]).await?;
        only_a.tags.add(&db, [&a]).await?;
        // One filter() call: the same tag must be named "a" and "b" at once — none.
        let single = Post::objects().filter(q!(Post, tags__name = "a") & q!(Post, tags__name = "b")).count(&db).await?;
        assert_eq!(single, 0);
        // Two filter() calls: some tag is "a" and some (other) tag is "b" — one post.
        let chained = Post::objects().filter(q!(Post, tags__name = "a")).filter(q!(Post, tags__name = "b")).all(&db).await?;
        assert_eq!(titles(&chained), ["both tags"]);
        Ok(())
    }

    async fn exclude_across_many_to_many(db) {
        let jane = author(&db, "Jane").await?;
        let p1 = post(&db, "rust and django", &jane).await?;
        let p2 = post(&db, "django only", &jane).await?;
        let _p3 = post(&db, "no tags", &jane).await?;
        let (rust, django) = (tag(&db, "rust").await?, tag(&db, "django").await?);
        p1.tags.add(&db, [&rust, &django]).await?;
        p2.tags.add(&db, [&django]).await?;
        // Django: exclude posts having ANY tag named rust (a naive NOT would keep p1 via its
        // django row, and drop the untagged post).
        let kept = Post::objects().exclude(q!(Post, tags__name = "rust")).all(&db).await?;
        assert_eq!(titles(&kept), ["django only", "no tags"]);
        let sql = Post::objects().exclude(q!(Post, tags__name = "rust")).sql(&db)?.map(|c| c.sql).unwrap_or_default();
        let post_id = format!("{}.{}", quoted(&db, "blog_post"), quoted(&db, "id"));
        assert!(sql.contains(&format!("NOT ({post_id} IN (SELECT")), "{sql}");
        Ok(())
    }

    async fn select_related_is_one_query(db) {
        let u = User::objects().create(&db, User { username: "jane".into(), ..Default::default() }).await?;
        let jane = Author::objects().create(&db, Author { name: "Jane".into(), user: Some((&u).into()), ..Default::default() }).await?;
        let anon = author(&db, "Anonymous").await?;
        post(&db, "p1", &jane).await?;
        post(&db, "p2", &anon).await?;
        let posts = assert_num_queries(&db, 1, Post::objects().select_related(["author", "author__user"]).all(&db)).await?;
        assert_eq!(posts.len(), 2);
        let first = posts[0].author.cached().expect("author loaded");
        assert_eq!(first.name, "Jane");
        assert_eq!(first.user.as_ref().and_then(|u| u.cached()).map(|u| u.username.as_str()), Some("jane"));
        let second = posts[1].author.cached().expect("author loaded");
        assert!(second.user.as_ref().is_none(), "nullable key → LEFT OUTER JOIN keeps the row");
        // Reading the loaded author costs nothing.
        let name = assert_num_queries(&db, 0, posts[0].author.get(&db)).await?.name;
        assert_eq!(name, "Jane");
        // Reverse one-to-one through select_related.
        let users = assert_num_queries(&db, 1, User::objects().select_related(["author_profile"]).all(&db)).await?;
        assert_eq!(users[0].author_profile.cached().map(|a| a.name.as_str()), Some("Jane"));
        let err = Post::objects().select_related(["tags"]).all(&db).await.expect_err("not a key");
        assert!(err.to_string().starts_with("Invalid field name(s) given in select_related: 'tags'"), "{err}");
        Ok(())
    }

    /// Django prefetches a forward key as well (one query for every distinct key); the typed
    /// QuerySet refused it while the shell's followed it.
    async fn prefetch_related_follows_a_forward_key(db) {
        let jane = author(&db, "Jane").await?;
        let anon = author(&db, "Anonymous").await?;
        for (title, who) in [("a", &jane), ("b", &anon), ("c", &jane)] {
            post(&db, title, who).await?;
        }
        let posts =
            assert_num_queries(&db, 2, Post::objects().order_by(["title"]).prefetch_related(["author"]).all(&db)).await?;
        let names: Vec<&str> = posts.iter().map(|p| p.author.cached().map_or("", |a| a.name.as_str())).collect();
        assert_eq!(names, ["Jane", "Anonymous", "Jane"]);
        let nested = Post::objects().prefetch_related(["author__posts"]).all(&db).await?;
        assert_eq!(nested.len(), 3);
        Ok(())
    }

    async fn select_related_shares_the_object_of_a_repeated_key(db) {
        let jane = author(&db, "Jane").await?;
        let anon = author(&db, "Anonymous").await?;
        for (title, who) in [("a", &jane), ("b", &anon), ("c", &jane)] {
            post(&db, title, who).await?;
        }
        let posts = Post::objects().order_by(["title"]).select_related(["author"]).all(&db).await?;
        let authors: Vec<&Author> = posts.iter().map(|p| p.author.cached().expect("author loaded")).collect();
        let names: Vec<&str> = authors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Jane", "Anonymous", "Jane"]);
        assert!(std::ptr::eq(authors[0], authors[2]), "posts a and c join the same author row: one object");
        assert!(!std::ptr::eq(authors[0], authors[1]));
        Ok(())
    }

    async fn listing_100_posts_with_author_and_tags(db) {
        let authors = [author(&db, "A").await?, author(&db, "B").await?];
        let tags = [tag(&db, "x").await?, tag(&db, "y").await?, tag(&db, "z").await?];
        for i in 0..100 {
            let p = post(&db, &format!("post {i:03}"), &authors[i % 2]).await?;
            p.tags.add(&db, [&tags[i % 3], &tags[(i + 1) % 3]]).await?;
        }
        // Without help: one query per post for its author — the detector names the relation.
        let detector = db.detect_n_plus_one();
        for p in Post::objects().all(&db).await? {
            p.author.get(&db).await?;
        }
        let report = detector.report();
        assert_eq!(report.len(), 1, "{report:?}");
        assert_eq!(report[0].count, 100);
        assert!(report[0].advice.contains("Post.author: use select_related(\"author\")"), "{}", report[0].advice);
        drop(detector);
        // With select_related + prefetch_related: 1 query + 1 per prefetched level.
        let posts = assert_num_queries(
            &db,
            2,
            Post::objects().select_related(["author"]).prefetch_related(["tags"]).all(&db),
        )
        .await?;
        assert_eq!(posts.len(), 100);
        for (i, p) in posts.iter().enumerate() {
            assert_eq!(p.author.cached().map(|a| a.name.as_str()), Some(if i % 2 == 0 { "A" } else { "B" }));
            let mut names: Vec<&str> = p.tags.cached().expect("prefetched").iter().map(|t| t.name.as_str()).collect();
            names.sort_unstable();
            let mut expected = [tags[i % 3].name.as_str(), tags[(i + 1) % 3].name.as_str()];
            expected.sort_unstable();
            assert_eq!(names, expected);
        }
        Ok(())
    }

    async fn prefetch_several_levels_and_prefetch_objects(db) {
        let jane = author(&db, "Jane").await?;
        let john = author(&db, "John").await?;
        let rust = tag(&db, "rust").await?;
        for (title, who) in [("j1", &jane), ("j2", &jane), ("k1", &john)] {
            let p = post(&db, title, who).await?;
            p.tags.add(&db, [&rust]).await?;
            Comment::objects().create(&db, Comment { post: (&p).into(), body: format!("on {title}"), ..Default::default() }).await?;
        }
        let lonely = author(&db, "Nobody").await?;
        let authors = assert_num_queries(
            &db,
            4,
            Author::objects().prefetch_related(["posts", "posts__tags", "posts__comments"]).all(&db),
        )
        .await?;
        let by_name = |n: &str| authors.iter().find(|a| a.name == n).cloned();
        let jane = by_name("Jane").expect("jane");
        let posts = jane.posts.cached().expect("prefetched");
        assert_eq!(titles(posts), ["j1", "j2"]);
        assert_eq!(posts[0].tags.cached().map(|t| t.len()), Some(1));
        assert_eq!(posts[1].comments.cached().map(|c| c[0].body.clone()), Some("on j2".into()));
        assert_eq!(by_name("Nobody").and_then(|a| a.posts.cached().map(<[Post]>::len)), Some(0));
        let _ = lonely;
        // A key met twice at one level (the tag "rust", under each of Jane's posts): every copy
        // gets the next level's objects, not only the first.
        let authors = assert_num_queries(&db, 4, Author::objects().prefetch_related(["posts__tags__posts"]).all(&db)).await?;
        let jane = authors.iter().find(|a| a.name == "Jane").expect("jane");
        for p in jane.posts.cached().expect("prefetched") {
            let tags = p.tags.cached().expect("prefetched");
            assert_eq!(tags[0].posts.cached().map(titles), Some(vec!["j1", "j2", "k1"]), "under {}", p.title);
        }
        // Prefetch with its own filtered, ordered QuerySet.
        let authors = Author::objects()
            .prefetch_related([Prefetch::new("posts", Post::objects().filter(q!(Post, title__endswith = "2")).order_by(["-title"]))])
            .all(&db)
            .await?;
        let jane = authors.iter().find(|a| a.name == "Jane").expect("jane");
        assert_eq!(titles(jane.posts.cached().expect("prefetched")), ["j2"]);
        // all() and count() answer from the prefetch cache, as Django's do: no query.
        let cached_posts = assert_num_queries(&db, 0, jane.posts.all(&db)).await?;
        assert_eq!(titles(&cached_posts), ["j2"]);
        assert_eq!(assert_num_queries(&db, 0, jane.posts.count(&db)).await?, 1);
        // Without a prefetch each is a query of its own.
        let plain = Author::objects().get(&db, q!(Author, name = "Jane")).await?;
        assert_eq!(assert_num_queries(&db, 1, plain.posts.count(&db)).await?, 2);
        // ... and into another attribute (to_attr), leaving the relation's cache alone.
        let authors = Author::objects()
            .prefetch_related([Prefetch::new("posts", Post::objects().filter(q!(Post, title__startswith = "j"))).to_attr("recent_posts")])
            .all(&db)
            .await?;
        let jane = authors.iter().find(|a| a.name == "Jane").expect("jane");
        assert_eq!(titles(jane.recent_posts.cached().expect("to_attr")), ["j1", "j2"]);
        assert!(jane.posts.cached().is_none());
        // Reverse many-to-many prefetch.
        let tags = Tag::objects().prefetch_related(["posts"]).all(&db).await?;
        assert_eq!(tags[0].posts.cached().map(<[Post]>::len), Some(3));
        let err = Author::objects().prefetch_related(["nope"]).all(&db).await.expect_err("bad lookup");
        assert!(err.to_string().contains("'nope' is an invalid parameter to prefetch_related()"), "{err}");
        // Django's guard: to_attr may not name a field or relation of the model it is set on.
        for attr in ["name", "posts"] {
            let err = Author::objects()
                .prefetch_related([Prefetch::new("posts", Post::objects()).to_attr(attr)])
                .all(&db)
                .await
                .expect_err("a clashing to_attr");
            assert_eq!(
                (err.class(), err.to_string().contains(&format!("to_attr={attr} conflicts with a field on the Author model."))),
                ("ValueError", true),
                "{err}"
            );
        }
        // A Prefetch QuerySet of another model than the relation's is refused, not misread.
        let err = Author::objects()
            .prefetch_related([Prefetch::new("posts", Tag::objects())])
            .all(&db)
            .await
            .expect_err("a QuerySet of the wrong model");
        assert_eq!(err.class(), "ValueError", "{err}");
        Ok(())
    }

    async fn typed_paths_cross_relations(db) {
        let jane = author(&db, "Jane Doe").await?;
        let p = post(&db, "Typed", &jane).await?;
        p.tags.add(&db, [&tag(&db, "rust").await?]).await?;
        let typed = Post::objects().filter(Post::author().name().icontains("jane")).count(&db).await?;
        let macro_form = Post::objects().filter(q!(Post, author__name__icontains = "jane")).count(&db).await?;
        assert_eq!((typed, macro_form), (1, 1));
        assert_eq!(Author::objects().filter(Author::posts().tags().name().exact("rust")).count(&db).await?, 1);
        assert_eq!(Author::objects().filter(q!(Author, posts__tags__name = "rust")).count(&db).await?, 1);
        Ok(())
    }

    /// Django's guards for objects never saved: a key to one is refused before any write
    /// (it would store NULL and lose the relation), and a many-to-many add of one or from one
    /// is refused; nothing is written.
    async fn unsaved_related_objects_are_refused(db) {
        let ghost = Author { name: "Ghost".into(), ..Default::default() };
        let err = Post::objects()
            .create(&db, Post { title: "Orphan".into(), author: (&ghost).into(), ..Default::default() })
            .await
            .expect_err("an unsaved author");
        assert_eq!(
            (err.class(), err.to_string().contains("save() prohibited to prevent data loss due to unsaved related object 'author'.")),
            ("ValueError", true),
            "{err}"
        );
        let mut orphan = Post { title: "Orphan".into(), author: (&ghost).into(), ..Default::default() };
        assert_eq!(orphan.save(&db).await.expect_err("save").class(), "ValueError");
        let err = Post::objects()
            .bulk_create(&db, [Post { title: "Orphan".into(), author: (&ghost).into(), ..Default::default() }])
            .await
            .expect_err("bulk_create");
        assert!(err.to_string().contains("bulk_create() prohibited to prevent data loss"), "{err}");
        assert_eq!(Post::objects().count(&db).await?, 0);
        let ann = author(&db, "Ann").await?;
        let saved = post(&db, "Saved", &ann).await?;
        let unsaved_tag = Tag { name: "new".into(), ..Default::default() };
        let err = saved.tags.add(&db, [&unsaved_tag]).await.expect_err("an unsaved tag");
        assert_eq!(
            (err.class(), err.to_string().contains("Cannot add \"<Tag: Tag object (None)>\": the value for field \"tag\" is None")),
            ("ValueError", true),
            "{err}"
        );
        assert_eq!(saved.tags.count(&db).await?, 0);
        Ok(())
    }
}

djorm::backend_tests! {
    models = [Person];

    async fn self_referential_many_to_many(db) {
        let make = |name: &str| Person { name: name.into(), ..Default::default() };
        let alice = Person::objects().create(&db, make("alice")).await?;
        let bob = Person::objects().create(&db, make("bob")).await?;
        let carol = Person::objects().create(&db, make("carol")).await?;
        // Symmetrical (Django's default for self-relations): adding A→B adds B→A.
        alice.friends.add(&db, [&bob]).await?;
        assert_eq!(bob.friends.all(&db).await?.into_iter().map(|p| p.name).collect::<Vec<_>>(), ["alice"]);
        bob.friends.remove(&db, [&alice]).await?;
        assert_eq!(alice.friends.count(&db).await?, 0, "removing one direction removes both");
        // Directed (symmetrical = false): alice follows carol, carol does not follow alice.
        alice.follows.add(&db, [&carol]).await?;
        assert_eq!(alice.follows.count(&db).await?, 1);
        assert_eq!(carol.follows.count(&db).await?, 0);
        assert_eq!(carol.followers.all(&db).await?.into_iter().map(|p| p.name).collect::<Vec<_>>(), ["alice"]);
        assert_eq!(Person::objects().filter(q!(Person, followers__name = "alice")).count(&db).await?, 1);
        Ok(())
    }

    /// Adding from the reverse side of a directed self-relation: `carol.followers.add(bob)`
    /// means bob follows carol (Django's `from_person_id = bob`), not carol follows bob.
    async fn a_directed_self_relation_adds_from_the_reverse_side(db) {
        let make = |name: &str| Person { name: name.into(), ..Default::default() };
        let _first = Person::objects().create(&db, make("first")).await?;
        let bob = Person::objects().create(&db, make("bob")).await?;
        let carol = Person::objects().create(&db, make("carol")).await?;
        carol.followers.add(&db, [&bob]).await?;
        let names = |people: Vec<Person>| people.into_iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(names(bob.follows.all(&db).await?), ["carol"]);
        assert_eq!(names(carol.followers.all(&db).await?), ["bob"]);
        assert_eq!(carol.follows.count(&db).await?, 0);
        let dave = carol.followers.create(&db, make("dave")).await?;
        assert_eq!(names(dave.follows.all(&db).await?), ["carol"]);
        carol.followers.remove(&db, [&bob]).await?;
        assert_eq!(bob.follows.count(&db).await?, 0);
        Ok(())
    }
}

mod signal_models {
    use djorm::prelude::*;

    /// A user model of this test's own, so the global receivers touch no other test.
    #[derive(Model, Debug, Clone)]
    #[djorm(app = "sig")]
    pub struct Member {
        pub id: AutoId,
        #[djorm(max_length = 50)]
        pub username: String,
        pub profile: ReverseOne<MemberProfile>,
    }

    #[derive(Model, Debug, Clone)]
    #[djorm(app = "sig")]
    pub struct MemberProfile {
        pub id: AutoId,
        #[djorm(on_delete = Cascade, related_name = "profile")]
        pub user: OneToOne<Member>,
        #[djorm(blank)]
        pub bio: String,
    }
}
use signal_models::{Member, MemberProfile};

static DELETED_PROFILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn connect_receivers() {
    use djorm::signals::{connect, Signal};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // @receiver(post_save, sender=User) def create_user_profile(sender, instance, created, **kwargs)
        connect::<Member>(Signal::PostSave, |db, member, created| {
            Box::pin(async move {
                if created {
                    MemberProfile::objects()
                        .create(db, MemberProfile { user: member.into(), ..Default::default() })
                        .await?;
                }
                Ok(())
            })
        });
        connect::<MemberProfile>(Signal::PostDelete, |_db, _profile, _| {
            Box::pin(async move {
                DELETED_PROFILES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
        });
    });
}

djorm::backend_tests! {
    models = [Member, MemberProfile];

    async fn post_save_creates_the_profile_and_delete_hooks_fire_for_cascades(db) {
        connect_receivers();
        let member = Member::objects().create(&db, Member { username: "ann".into(), ..Default::default() }).await?;
        let mut saved = Member { username: "bob".into(), ..Default::default() };
        saved.save(&db).await?;
        assert_eq!(member.profile.get(&db).await?.user.id, member.id);
        assert_eq!(MemberProfile::objects().count(&db).await?, 2);
        saved.username = "bobby".into();
        saved.save(&db).await?; // an update: created = false, no second profile
        assert_eq!(MemberProfile::objects().count(&db).await?, 2);
        let before = DELETED_PROFILES.load(std::sync::atomic::Ordering::SeqCst);
        Member::objects().delete(&db).await?;
        let fired = DELETED_PROFILES.load(std::sync::atomic::Ordering::SeqCst) - before;
        assert!(fired >= 2, "post_delete fired for each cascaded profile ({fired})");
        Ok(())
    }
}
