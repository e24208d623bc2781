"""The database: models, migrations, and the queries and writes every command shares."""
