-- Applied only by SchemaChangeMonitoringTest, the way Timestore applies its own migrations.
CREATE TABLE test_migration_probe (id int);
