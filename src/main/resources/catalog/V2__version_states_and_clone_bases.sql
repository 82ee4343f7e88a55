-- Version states; clones that read a version's files reference it (full clones are independent copies).
ALTER TABLE versions ADD COLUMN state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'broken', 'deleting'));

ALTER TABLE versions ADD COLUMN problem TEXT;

-- linked clones of a version that is no longer listed (reindex used to drop such versions): the version
-- comes back as broken, so that the reference below holds and its base cannot be removed under them
INSERT OR IGNORE INTO templates(name, next_version, created)
  SELECT template, max(version) + 1, min(created) FROM clones GROUP BY template;

INSERT INTO versions(name, version, build_id, storage, manifest, created, revoked, state, problem)
  SELECT template, version, NULL, min(storage), json_object('name', template, 'version', version), min(created), 0,
         'broken', 'its files were not in the catalog when it was upgraded; clones use it'
  FROM clones c WHERE kind != 'full'
    AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.name = c.template AND v.version = c.version)
  GROUP BY template, version;

CREATE TABLE clones_v2 (
  name TEXT PRIMARY KEY,
  template TEXT NOT NULL,
  version INTEGER NOT NULL,
  storage TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('linked', 'full', 'memory')),
  created TEXT NOT NULL,
  vm_config TEXT NOT NULL,
  base_template TEXT,              -- linked and memory clones: the version whose files they read
  base_version INTEGER,
  CHECK ((kind = 'full') = (base_template IS NULL)),
  FOREIGN KEY (base_template, base_version) REFERENCES versions(name, version));

INSERT INTO clones_v2 SELECT name, template, version, storage, kind, created, vm_config,
  CASE WHEN kind = 'full' THEN NULL ELSE template END, CASE WHEN kind = 'full' THEN NULL ELSE version END
  FROM clones;

DROP TABLE clones;

ALTER TABLE clones_v2 RENAME TO clones;

CREATE INDEX clones_parent ON clones(template, version);
