Feature: A council engineer runs ehcp-audit as a service
  In production (EHCP_AUDIT_ENVIRONMENT=production) nothing starts on a database it would have to make: the
  engineer is told which setting to set. Workers' flows fail rather than "complete" on a missing store. The web
  app refuses to start without its assets, sends Secure cookies and HSTS behind a proxy, and answers health
  checks; the worker has a health command; secrets can be read from files.

  Scenario Outline: Production refuses a database it would have to make
    Given a production environment whose database is <database>
    When the engineer runs a command
    Then it stops, saying "<message>"
    And no database file was made

    Examples:
      | database                                    | message                               |
      | not configured                              | set EHCP_AUDIT_DATABASE_URL           |
      | a SQLite file that does not exist           | There is no database at               |
      | a PostgreSQL server that is not running     | cannot be reached                     |
      | an existing SQLite file without tables      | ehcp-audit db upgrade                 |

  Scenario: In production the schema command never picks a database either
    Given a production environment whose database is not configured
    When the engineer runs the schema upgrade
    Then it stops, saying "set EHCP_AUDIT_DATABASE_URL"
    And no database file was made

  Scenario: Outside production the embedded store is still made on first use
    Given a development environment with no database configured
    When the engineer runs a command
    Then it succeeds and the embedded SQLite store exists

  Scenario Outline: A worker started without its environment fails its flows
    Given a worker started in an empty folder without EHCP_AUDIT_DATABASE_URL
    When the <flow> flow runs
    Then the run fails, saying "EHCP_AUDIT_DATABASE_URL"
    And no database file was made

    Examples:
      | flow                |
      | chase               |
      | retention-purge     |
      | continue-due-cycles |
      | safeguarding-alerts |

  Scenario: serve refuses to start without the web assets
    Given the GOV.UK Frontend files are not installed
    When the engineer starts the web app
    Then it stops, saying "make web-assets"

  Scenario: Behind a reverse proxy on loopback, production sends Secure cookies and HSTS
    Given a production web app listening on 127.0.0.1
    When a browser asks for the sign-in page
    Then the session cookie is Secure and Strict-Transport-Security is sent

  Scenario: Plain HTTP on loopback can be chosen in production with a documented setting
    Given a production web app listening on 127.0.0.1 with EHCP_AUDIT_COOKIE_SECURE=false
    When a browser asks for the sign-in page
    Then the session cookie is not Secure and no Strict-Transport-Security is sent

  Scenario: The web app's health endpoints
    Given a web app on a database at the latest schema
    Then /healthz answers 200 and /readyz answers 200
    When the database's schema is behind this version
    Then /readyz answers 503, saying "ehcp-audit db upgrade"

  Scenario: The worker's health command checks the store and the Prefect API
    Given a development environment with a store at the latest schema
    When the engineer runs "ehcp-audit health" with no Prefect server configured
    Then it succeeds, reporting "store: ok"
    When the engineer runs "ehcp-audit health" with a Prefect server that does not answer
    Then it fails, reporting "prefect: not ok"

  Scenario: Secrets are read from files
    Given the secret key, the database URL and the SMTP password are in files named by *_FILE settings
    Then the settings hold the files' contents
    And a *_FILE setting naming a file that cannot be read is refused, naming the setting

  @slow
  Scenario: The Prefect API refuses calls without its password, and the health command says which setting to set
    Given a Prefect server started with PREFECT_SERVER_API_AUTH_STRING, as docs/operations.md sets it up
    Then an API call without the password is refused with 401, and one with it answers
    When the engineer runs "ehcp-audit health" without PREFECT_API_AUTH_STRING
    Then it fails, reporting "PREFECT_API_AUTH_STRING"
    When the engineer runs "ehcp-audit health" with PREFECT_API_AUTH_STRING
    Then it succeeds, reporting "prefect: ok"
