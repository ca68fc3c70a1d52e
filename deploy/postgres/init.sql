-- Run once by the postgres image on its first start (empty data volume): one database per
-- service, owned by the `hub` role the compose file creates. A new service adds its line here
-- (an existing volume needs the statement run by hand, or `docker compose down -v`).
CREATE DATABASE accounts OWNER hub;
CREATE DATABASE ideas OWNER hub;
CREATE DATABASE petitions OWNER hub;
CREATE DATABASE budget OWNER hub;
CREATE DATABASE routing OWNER hub;
CREATE DATABASE notifications OWNER hub;
