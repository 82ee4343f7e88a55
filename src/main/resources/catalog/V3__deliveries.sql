-- copies of template versions (and clones) handed to other systems by ingot push; a linked one reads its version's
-- base image, which cannot be removed while it does
CREATE TABLE deliveries (
  target TEXT NOT NULL,            -- the target's kind: libvirt, ...
  location TEXT NOT NULL,          -- where it is reached again: qemu:///system?pool=default
  reference TEXT NOT NULL,         -- what the target calls the copy: a domain name, an image reference
  template TEXT NOT NULL,
  version INTEGER NOT NULL,
  clone TEXT,                      -- the clone pushed, if a clone was
  linked INTEGER NOT NULL,         -- 1: reads the version's base image, which cannot go while it does
  sha256 TEXT,
  created TEXT NOT NULL,
  PRIMARY KEY (target, location, reference));
CREATE INDEX deliveries_version ON deliveries(template, version);
