-- CasPaxos.Orleans schema for PostgreSQL 12 or later.
--
-- Holds the acceptors' grain state for Orleans' ADO.NET grain storage provider
-- (Microsoft.Orleans.Persistence.AdoNet), cluster membership for Orleans' ADO.NET clustering provider
-- (Microsoft.Orleans.Clustering.AdoNet), and the queries both providers read from OrleansQuery.
-- Idempotent: safe to apply again, and from several silos at once.
--
--   psql -v ON_ERROR_STOP=1 -f db/caspaxos.sql "host=... dbname=... user=..."
--
-- Silos apply the same script on start unless CasPaxos:Storage:ApplySchema is false.

BEGIN;

-- Concurrent appliers would race on CREATE TABLE IF NOT EXISTS; take turns.
SELECT pg_advisory_xact_lock(4329110947511311);

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- One row per (service, state name, grain). The provider's ETag is "version": every write must name the
-- version it read, and the statement changes nothing when another writer got there first.
CREATE TABLE IF NOT EXISTS caspaxos_grain_state
(
    service_id   varchar(150) NOT NULL,
    state_name   varchar(150) NOT NULL,
    grain_id_n0  bigint       NOT NULL,
    grain_id_n1  bigint       NOT NULL,
    -- string keys (all CasPaxos keys) live here; '' for grains keyed only by a number or GUID
    grain_id_ext text         NOT NULL,
    payload      bytea,
    version      integer      NOT NULL,
    modified_on  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT caspaxos_grain_state_pk PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext)
);

-- The provider binds @ServiceId, @GrainTypeString (the state name), @GrainIdN0, @GrainIdN1,
-- @GrainIdExtensionString, @GrainStateVersion (null before the first write) and @PayloadBinary; it also
-- binds hashes of the ids, which the primary key makes unnecessary here.
--
-- Write and clear always return exactly one row: the new version, or NULL when the ETag did not match.
-- The provider turns NULL into InconsistentStateException; returning no row at all would let a conflicting
-- first write pass silently. The version wraps from 2147483647 to 1: it must differ from the one sent,
-- never overflow.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $query$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM caspaxos_grain_state
WHERE service_id = @ServiceId
  AND state_name = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
$query$),
('WriteToStorageKey', $query$
WITH updated AS (
    UPDATE caspaxos_grain_state
    SET payload = @PayloadBinary,
        version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
        modified_on = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND service_id = @ServiceId
      AND state_name = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO caspaxos_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT caspaxos_grain_state_pk DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS "NewGrainStateVersion"
$query$),
('ClearStorageKey', $query$
WITH cleared AS (
    UPDATE caspaxos_grain_state
    SET payload = NULL,
        version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
        modified_on = now()
    WHERE service_id = @ServiceId
      AND state_name = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion"
$query$),
-- Only used with DeleteStateOnClear = true. Never enable it for CasPaxos acceptors: removing an acceptor's row
-- makes it forget its promise, which can resurrect old values (see the paper's deletion procedure).
('DeleteStorageKey', $query$
WITH deleted AS (
    DELETE FROM caspaxos_grain_state
    WHERE service_id = @ServiceId
      AND state_name = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version
)
SELECT (SELECT CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END FROM deleted) AS "NewGrainStateVersion"
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Cluster membership. Each cluster (Orleans ClusterId, bound as @DeploymentId) has one version row; every change
-- to its members must name the version it read and moves it on by one, in the same statement.
CREATE TABLE IF NOT EXISTS caspaxos_membership_version
(
    deployment_id varchar(150) NOT NULL PRIMARY KEY,
    version       integer      NOT NULL DEFAULT 0,
    modified_on   timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS caspaxos_membership
(
    deployment_id   varchar(150) NOT NULL REFERENCES caspaxos_membership_version (deployment_id),
    address         text         NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       text         NOT NULL,
    host_name       text         NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL,
    suspect_times   text,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    CONSTRAINT caspaxos_membership_pk PRIMARY KEY (deployment_id, address, port, generation)
);

-- Status 3 is Active. Rows come back with the cluster's version joined on, and a cluster without members still
-- gives one row (members NULL) that carries the version.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('GatewaysQueryKey', $query$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM caspaxos_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$query$),
('MembershipReadRowKey', $query$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM caspaxos_membership_version v
LEFT JOIN caspaxos_membership m
       ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$query$),
('MembershipReadAllKey', $query$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM caspaxos_membership_version v
LEFT JOIN caspaxos_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$query$),
('InsertMembershipVersionKey', $query$
WITH created AS (
    INSERT INTO caspaxos_membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM created)::integer AS "Created"
$query$),
('UpdateIAmAlivetimeKey', $query$
UPDATE caspaxos_membership
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$query$),
('InsertMembershipKey', $query$
WITH bumped AS (
    UPDATE caspaxos_membership_version
    SET version = version + 1, modified_on = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM caspaxos_membership
                      WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), inserted AS (
    INSERT INTO caspaxos_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
                                     start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM bumped
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::integer AS "Inserted"
$query$),
('UpdateMembershipKey', $query$
WITH bumped AS (
    UPDATE caspaxos_membership_version
    SET version = version + 1, modified_on = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND EXISTS (SELECT 1 FROM caspaxos_membership
                  WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), updated AS (
    UPDATE caspaxos_membership m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM bumped
    WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT (SELECT count(*) FROM updated)::integer AS "Updated"
$query$),
('DeleteMembershipTableEntriesKey', $query$
DELETE FROM caspaxos_membership WHERE deployment_id = @DeploymentId;
DELETE FROM caspaxos_membership_version WHERE deployment_id = @DeploymentId;
$query$),
-- Old entries of silos that are no longer Active (dead, or never finished joining).
('CleanupDefunctSiloEntriesKey', $query$
DELETE FROM caspaxos_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
$query$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

COMMIT;
