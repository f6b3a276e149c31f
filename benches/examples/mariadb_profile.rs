//! One MariaDB workload through one side, for a profiler: `mariadb_profile <get|select> <djorm|raw> <times>`
//! against the table the mariadb bench seeds (DJORM_PROFILE_MYSQL_URL names its database).

use djorm::prelude::*;
use mysql_async::prelude::Queryable;

#[derive(Model, Debug, Clone)]
#[djorm(app = "bench", db_table = "bench_user")]
struct User {
    id: AutoId,
    #[djorm(max_length = 100)]
    name: String,
    #[djorm(email)]
    email: String,
    age: i32,
    #[djorm(default = true)]
    active: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (workload, side, times) = (args[1].clone(), args[2].clone(), args[3].parse::<i64>().expect("times"));
    let url = std::env::var("DJORM_PROFILE_MYSQL_URL").expect("DJORM_PROFILE_MYSQL_URL");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        if side == "djorm" {
            let db = djorm::connect(&url).await.expect("connect");
            if User::objects().count(&db).await.unwrap_or(0) == 0 {
                db.create_tables(&[User::meta()]).await.ok();
                let users: Vec<User> = (0..10_000)
                    .map(|i| User {
                        name: format!("user {i}"),
                        email: format!("u{i}@example.com"),
                        age: 3,
                        ..Default::default()
                    })
                    .collect();
                User::objects().bulk_create(&db, users).await.expect("seed");
            }
            for i in 0..times {
                if workload == "get" {
                    std::hint::black_box(User::objects().get(&db, q!(User, id = 1 + i % 1000)).await.expect("get"));
                } else {
                    std::hint::black_box(User::objects().order_by(["id"]).slice(..10_000).all(&db).await.expect("all"));
                }
            }
        } else {
            let mut conn = mysql_async::Conn::from_url(&url).await.expect("connect");
            for i in 0..times {
                if workload == "get" {
                    let row: Option<(i64, String, String, i32, bool)> = conn
                        .exec_first("SELECT id, name, email, age, active FROM bench_user WHERE id = ?", (1 + i % 1000,))
                        .await
                        .expect("get");
                    std::hint::black_box(row);
                } else {
                    let rows: Vec<(i64, String, String, i32, bool)> = conn
                        .exec("SELECT id, name, email, age, active FROM bench_user ORDER BY id LIMIT 10000", ())
                        .await
                        .expect("select");
                    std::hint::black_box(rows);
                }
            }
        }
    });
}
