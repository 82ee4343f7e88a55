-- The first catalog: templates, their versions and channels, clones, builds.
CREATE TABLE templates (
  name TEXT PRIMARY KEY,
  next_version INTEGER NOT NULL,   -- monotonic: never reused, even after a delete
  created TEXT NOT NULL);

CREATE TABLE versions (
  name TEXT NOT NULL REFERENCES templates(name),
  version INTEGER NOT NULL,
  build_id TEXT,
  storage TEXT NOT NULL,           -- comma-separated storage names holding identical copies
  manifest TEXT NOT NULL,
  created TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, version));

CREATE TABLE channels (
  template TEXT NOT NULL,
  channel TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated TEXT NOT NULL,
  PRIMARY KEY (template, channel),
  FOREIGN KEY (template, version) REFERENCES versions(name, version));

CREATE TABLE clones (
  name TEXT PRIMARY KEY,
  template TEXT NOT NULL,
  version INTEGER NOT NULL,
  storage TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('linked', 'full', 'memory')),
  created TEXT NOT NULL,
  vm_config TEXT NOT NULL);

CREATE INDEX clones_parent ON clones(template, version);

CREATE TABLE builds (
  id TEXT PRIMARY KEY,
  recipe TEXT NOT NULL,
  status TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT,
  message TEXT);
