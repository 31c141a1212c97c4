"""The schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of the last migration applied. Each migration runs
inside one transaction together with the bump of ``user_version`` (SQLite DDL is
transactional), so a migration that fails leaves the file exactly as it was. Never edit a
migration that has shipped: add a new one.

Money columns are INTEGER rupiah. Timestamps are ISO-8601 UTC text (see ``pos_app.clock``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        """
        CREATE TABLE products (
            sku         TEXT PRIMARY KEY,
            barcode     TEXT UNIQUE,
            name        TEXT NOT NULL,
            category    TEXT NOT NULL DEFAULT '',
            price       INTEGER NOT NULL CHECK (price >= 0),
            stock       INTEGER,
            active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            updated_at  TEXT NOT NULL
        );
        CREATE INDEX products_by_category ON products (category, name);
        CREATE INDEX products_by_name ON products (name COLLATE NOCASE);

        -- Per-till, per-business-day counter behind the human order number K1-20261127-0001.
        CREATE TABLE order_sequences (
            terminal_id   TEXT NOT NULL,
            business_date TEXT NOT NULL,
            last_seq      INTEGER NOT NULL,
            PRIMARY KEY (terminal_id, business_date)
        );

        CREATE TABLE orders (
            id              TEXT PRIMARY KEY,
            uuid            TEXT NOT NULL UNIQUE,
            terminal_id     TEXT NOT NULL,
            business_date   TEXT NOT NULL,
            seq             INTEGER NOT NULL,
            status          TEXT NOT NULL CHECK (status IN ('open', 'awaiting_payment', 'paid',
                                'expired', 'cancelled', 'late_payment', 'refunded')),
            subtotal        INTEGER NOT NULL,
            line_discounts  INTEGER NOT NULL DEFAULT 0,
            order_discount  INTEGER NOT NULL DEFAULT 0,
            tax_mode        TEXT NOT NULL DEFAULT 'off',
            tax_rate_bp     INTEGER NOT NULL DEFAULT 0,
            tax             INTEGER NOT NULL DEFAULT 0,
            total           INTEGER NOT NULL CHECK (total >= 0),
            note            TEXT NOT NULL DEFAULT '',
            cashier         TEXT NOT NULL DEFAULT '',
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            paid_at         TEXT,
            UNIQUE (terminal_id, business_date, seq)
        );
        CREATE INDEX orders_by_date ON orders (business_date, status);
        CREATE INDEX orders_by_status ON orders (status);

        CREATE TABLE order_lines (
            order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            line_no     INTEGER NOT NULL,
            sku         TEXT NOT NULL,
            name        TEXT NOT NULL,
            category    TEXT NOT NULL DEFAULT '',
            unit_price  INTEGER NOT NULL,
            quantity    INTEGER NOT NULL CHECK (quantity > 0),
            discount    INTEGER NOT NULL DEFAULT 0,
            net         INTEGER NOT NULL,
            PRIMARY KEY (order_id, line_no)
        );
        CREATE INDEX order_lines_by_sku ON order_lines (sku);

        CREATE TABLE payments (
            id              TEXT PRIMARY KEY,
            order_id        TEXT NOT NULL REFERENCES orders (id),
            method          TEXT NOT NULL CHECK (method IN ('cash', 'qris')),
            provider        TEXT,
            amount          INTEGER NOT NULL,
            payable_amount  INTEGER,
            unique_code     INTEGER NOT NULL DEFAULT 0,
            tendered        INTEGER,
            change_given    INTEGER,
            paid_amount     INTEGER,
            provider_ref    TEXT,
            qris            TEXT,
            checkout_url    TEXT,
            status          TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'expired',
                                'cancelled', 'failed', 'late')),
            error           TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            expires_at      TEXT,
            paid_at         TEXT,
            next_check_at   TEXT
        );
        CREATE INDEX payments_by_order ON payments (order_id);
        CREATE INDEX payments_by_status ON payments (status, next_check_at);
        -- A provider reference confirms at most one payment.
        CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref)
            WHERE provider_ref IS NOT NULL;

        -- Work for the sync engine, written in the same transaction as the sale it belongs to.
        CREATE TABLE outbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            kind            TEXT NOT NULL,
            order_id        TEXT REFERENCES orders (id),
            payment_id      TEXT REFERENCES payments (id),
            payload         TEXT NOT NULL DEFAULT '{}',
            status          TEXT NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'done', 'failed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error      TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

        CREATE TABLE audit_log (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            at          TEXT NOT NULL,
            actor       TEXT NOT NULL,
            action      TEXT NOT NULL,
            order_id    TEXT,
            payment_id  TEXT,
            details     TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_by_order ON audit_log (order_id);
        """,
    ),
    Migration(
        2,
        "incoming credits, mutasi accounts, provider states",
        """
        -- The merchant account (mutasi source) a payment is paid into, for unique amounts.
        ALTER TABLE payments ADD COLUMN account TEXT;
        -- The nominal we asked the back-end for (amount +/- unique code), before it answered.
        ALTER TABLE payments ADD COLUMN reserved_amount INTEGER;
        CREATE INDEX payments_by_account ON payments (account, status);

        -- Two engines may share a data dir (the window and `pos-app sync run`): an outbox entry
        -- is leased to one of them before it is sent, so a create never goes out twice at once.
        ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
        ALTER TABLE outbox ADD COLUMN leased_until TEXT;

        -- Every incoming credit we have seen on a statement. UNIQUE (source, credit_id): a
        -- credit is claimed at most once, even by two tills on one account or after a crash.
        CREATE TABLE credits (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            source       TEXT NOT NULL,
            account      TEXT NOT NULL,
            credit_id    TEXT NOT NULL,
            amount       INTEGER NOT NULL,
            credited_at  TEXT NOT NULL,
            precision    TEXT NOT NULL DEFAULT 'second',
            description  TEXT NOT NULL DEFAULT '',
            seen_at      TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('matched', 'late', 'review', 'unmatched')),
            payment_id   TEXT REFERENCES payments (id),
            note         TEXT NOT NULL DEFAULT '',
            UNIQUE (source, credit_id)
        );
        -- ... and a payment is confirmed by at most one credit.
        CREATE UNIQUE INDEX credits_one_per_payment ON credits (payment_id) WHERE payment_id IS NOT NULL;
        CREATE INDEX credits_by_status ON credits (status, credited_at);

        -- What the sync engine last knew of each provider, for `sync status` and the window.
        CREATE TABLE provider_state (
            provider    TEXT PRIMARY KEY,
            state       TEXT NOT NULL CHECK (state IN ('ok', 'degraded', 'down', 'needs_login')),
            failures    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  TEXT NOT NULL
        );
        """,
    ),
    Migration(
        3,
        "provider health: misconfigured",
        """
        CREATE TABLE provider_state_new (
            provider    TEXT PRIMARY KEY,
            state       TEXT NOT NULL
                        CHECK (state IN ('ok', 'degraded', 'down', 'needs_login', 'misconfigured')),
            failures    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT,
            updated_at  TEXT NOT NULL
        );
        INSERT INTO provider_state_new SELECT provider, state, failures, last_error, updated_at
            FROM provider_state;
        DROP TABLE provider_state;
        ALTER TABLE provider_state_new RENAME TO provider_state;
        """,
    ),
    Migration(
        4,
        "the shop's own catalogue: categories in order, several barcodes, cost, unit, demo items",
        """
        -- Modal (cost), the low-stock threshold, the unit sold by, and whether the row is one of
        -- the demo catalogue's items (which a shop leaves behind when it enters its own).
        ALTER TABLE products ADD COLUMN cost INTEGER CHECK (cost IS NULL OR cost >= 0);
        ALTER TABLE products ADD COLUMN low_stock INTEGER CHECK (low_stock IS NULL OR low_stock >= 0);
        ALTER TABLE products ADD COLUMN unit TEXT NOT NULL DEFAULT 'pcs';
        ALTER TABLE products ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));

        -- The owner's categories, in the owner's order (the grid's tabs follow it). Names are
        -- unique ignoring case, so "minuman" typed in a form finds "Minuman".
        CREATE TABLE categories (
            name      TEXT PRIMARY KEY COLLATE NOCASE,
            position  INTEGER NOT NULL
        );
        INSERT INTO categories (name, position)
            SELECT name, row_number() OVER (ORDER BY name) - 1
            FROM (SELECT min(category) AS name FROM products WHERE category != ''
                  GROUP BY category COLLATE NOCASE);
        UPDATE products SET category = (SELECT c.name FROM categories c WHERE c.name = category)
            WHERE category != '';

        -- Every barcode of every product; a barcode belongs to one product (the primary key).
        -- products.barcode stays as the first one (position 0), for the lookups and older code
        -- that read it.
        CREATE TABLE product_barcodes (
            barcode   TEXT PRIMARY KEY,
            sku       TEXT NOT NULL REFERENCES products (sku) ON UPDATE CASCADE ON DELETE CASCADE,
            position  INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX product_barcodes_by_sku ON product_barcodes (sku, position);
        -- Search-as-you-type scans products.barcode (the first one) with the row; the others
        -- are few, and this keeps the scan over them small.
        CREATE INDEX product_barcodes_extra ON product_barcodes (barcode, sku) WHERE position > 0;
        INSERT INTO product_barcodes (barcode, sku, position)
            SELECT barcode, sku, 0 FROM products WHERE barcode IS NOT NULL AND barcode != '';

        -- Until now the only products a till could have were the demo catalogue's (seeded in
        -- demo mode): mark them, matched by SKU and name, so the shop can leave them behind.
        UPDATE products SET demo = 1 WHERE (sku, name) IN (VALUES
            ('MNM-001', 'Teh Botol Sosro 450ml'), ('MNM-002', 'Aqua 600ml'),
            ('MNM-003', 'Kopi Kapal Api Sachet'), ('MNM-004', 'Good Day Cappuccino'),
            ('MNM-005', 'Pocari Sweat 500ml'), ('MNM-006', 'Es Teh Manis'),
            ('MNM-007', 'Susu Ultra Coklat 250ml'), ('MKN-001', 'Indomie Goreng'),
            ('MKN-002', 'Indomie Kuah Soto'), ('MKN-003', 'Nasi Goreng Spesial'),
            ('MKN-004', 'Mie Ayam Bakso'), ('MKN-005', 'Nasi Uduk Telur'),
            ('MKN-006', 'Gorengan (isi 3)'), ('MKN-007', 'Roti Tawar Sari Roti'),
            ('SNK-001', 'Chitato Sapi Panggang 68g'), ('SNK-002', 'Taro Net 36g'),
            ('SNK-003', 'Oreo 133g'), ('SNK-004', 'Beng-Beng'),
            ('SNK-005', 'Kacang Garuda 100g'), ('SNK-006', 'Silverqueen 62g'),
            ('SMB-001', 'Beras Pandan Wangi 5kg'), ('SMB-002', 'Minyak Goreng Bimoli 1L'),
            ('SMB-003', 'Gula Pasir Gulaku 1kg'), ('SMB-004', 'Telur Ayam 1kg'),
            ('SMB-005', 'Kecap Bango 220ml'), ('RT-001', 'Sabun Lifebuoy 85g'),
            ('RT-002', 'Rinso Cair 750ml'), ('RT-003', 'Pepsodent 190g'),
            ('RT-004', 'Tisu Paseo 250s'), ('RT-005', 'Baterai ABC AA (2)'),
            ('PLS-001', 'Pulsa 10.000'), ('PLS-002', 'Token Listrik 20.000'));
        """,
    ),
    Migration(
        5,
        "tracked stock follows paid sales",
        """
        -- Tracked stock (NULL = not tracked) goes down when an order becomes paid -- not when
        -- it is rung up: a QRIS that expires, or is cancelled and then paid in cash as a new
        -- order, must not count twice. Triggers, so that every path to "paid" (a cash sale
        -- written as paid with its lines after it, a QRIS confirmed, a late payment accepted)
        -- does it in the same transaction, exactly once. Never blocks a sale: warung counts
        -- drift, and a negative stock is what a wrong count looks like.
        CREATE TRIGGER stock_when_paid AFTER UPDATE OF status ON orders
        WHEN NEW.status = 'paid' AND OLD.status <> 'paid'
        BEGIN
            UPDATE products SET stock = stock - (
                SELECT sum(l.quantity) FROM order_lines l
                WHERE l.order_id = NEW.id AND l.sku = products.sku)
            WHERE stock IS NOT NULL
              AND sku IN (SELECT sku FROM order_lines WHERE order_id = NEW.id);
        END;
        CREATE TRIGGER stock_when_paid_line AFTER INSERT ON order_lines
        WHEN (SELECT status FROM orders WHERE id = NEW.order_id) = 'paid'
        BEGIN
            UPDATE products SET stock = stock - NEW.quantity
            WHERE sku = NEW.sku AND stock IS NOT NULL;
        END;
        -- A paid order refunded as a whole puts its goods back.
        CREATE TRIGGER stock_when_refunded AFTER UPDATE OF status ON orders
        WHEN NEW.status = 'refunded' AND OLD.status = 'paid'
        BEGIN
            UPDATE products SET stock = stock + (
                SELECT sum(l.quantity) FROM order_lines l
                WHERE l.order_id = NEW.id AND l.sku = products.sku)
            WHERE stock IS NOT NULL
              AND sku IN (SELECT sku FROM order_lines WHERE order_id = NEW.id);
        END;
        """,
    ),
    Migration(
        6,
        "announcements owed and said",
        """
        -- Every QRIS payment the back-end confirmed is said once (soundbox or PC speaker). The
        -- row is written with "paid", in the same transaction, so a payment is never
        -- confirmed without its announcement being owed; the announcer marks it said (which
        -- device, when), so that a restart neither repeats nor forgets one. event_id is the
        -- payment's id: the soundbox drops an event_id it has seen.
        CREATE TABLE announcements (
            event_id    TEXT PRIMARY KEY REFERENCES payments (id),
            order_id    TEXT NOT NULL,
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            created_at  TEXT NOT NULL,
            status      TEXT NOT NULL DEFAULT 'owed'
                        CHECK (status IN ('owed', 'said', 'skipped')),
            device      TEXT,
            said_at     TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            last_error  TEXT
        );
        CREATE INDEX announcements_owed ON announcements (created_at) WHERE status = 'owed';
        """,
    ),
    Migration(
        7,
        "staff accounts with PINs",
        """
        -- Owner and cashier accounts. pin_hash is a salted scrypt hash (pos_app.staff), never
        -- the PIN. Names are unique ignoring case: "Sri" and "sri" are one person at a till.
        -- A user is deactivated, never deleted: orders and the audit log name them.
        CREATE TABLE users (
            id              TEXT PRIMARY KEY,
            name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role            TEXT NOT NULL CHECK (role IN ('owner', 'cashier')),
            pin_hash        TEXT NOT NULL,
            active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until    TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        """,
    ),
    Migration(
        8,
        "who sold it, shifts, voids and refunds",
        """
        -- The signed-in user behind an order (orders.cashier keeps their name as it was then)
        -- and the shift it was sold in. NULL for sales from the command line (pos-app charge)
        -- and for orders written before staff accounts existed.
        ALTER TABLE orders ADD COLUMN cashier_id TEXT REFERENCES users (id);
        ALTER TABLE orders ADD COLUMN shift_id TEXT REFERENCES shifts (id);
        -- A voided order (unpaid, cancelled with an owner's approval): who approved, why.
        ALTER TABLE orders ADD COLUMN void_reason TEXT;
        ALTER TABLE orders ADD COLUMN voided_by TEXT;
        CREATE INDEX orders_by_shift ON orders (shift_id);
        -- Demo mode's accounts (PIN on the screen): retired when the till runs for real.
        ALTER TABLE users ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));

        -- A till's shift (Buka/Tutup kasir). business_date is the store-local day it opened:
        -- a shift that runs past midnight belongs to that day, and so do its sales.
        CREATE TABLE shifts (
            id              TEXT PRIMARY KEY,
            terminal_id     TEXT NOT NULL,
            business_date   TEXT NOT NULL,
            status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            opened_by       TEXT NOT NULL,
            opened_at       TEXT NOT NULL,
            opening_float   INTEGER NOT NULL CHECK (opening_float >= 0),
            closed_by       TEXT,
            closed_at       TEXT,
            expected_cash   INTEGER,
            counted_cash    INTEGER CHECK (counted_cash IS NULL OR counted_cash >= 0),
            counts          TEXT,
            note            TEXT NOT NULL DEFAULT ''
        );
        -- One open shift per till at a time.
        CREATE UNIQUE INDEX shifts_one_open ON shifts (terminal_id) WHERE status = 'open';
        CREATE INDEX shifts_by_date ON shifts (business_date);

        -- Money given back for a paid order, whole or by line. The order stays "paid" (it was
        -- a sale, on the day it was sold); the refund counts on the day it was made.
        -- paid_back: 'cash' from the drawer, 'transfer' done, or 'owed' (a QRIS refund: the
        -- back-ends have no refund API, the owner pays it back by hand and marks it).
        CREATE TABLE refunds (
            id              TEXT PRIMARY KEY,
            order_id        TEXT NOT NULL REFERENCES orders (id),
            business_date   TEXT NOT NULL,
            shift_id        TEXT REFERENCES shifts (id),
            created_at      TEXT NOT NULL,
            cashier         TEXT NOT NULL,
            approved_by     TEXT NOT NULL,
            reason          TEXT NOT NULL,
            method          TEXT NOT NULL CHECK (method IN ('cash', 'qris')),
            amount          INTEGER NOT NULL CHECK (amount > 0),
            paid_back       TEXT NOT NULL CHECK (paid_back IN ('cash', 'transfer', 'owed')),
            paid_back_at    TEXT
        );
        CREATE INDEX refunds_by_order ON refunds (order_id);
        CREATE INDEX refunds_by_date ON refunds (business_date);
        CREATE INDEX refunds_by_shift ON refunds (shift_id);
        CREATE TABLE refund_lines (
            refund_id   TEXT NOT NULL REFERENCES refunds (id),
            line_no     INTEGER NOT NULL,
            quantity    INTEGER NOT NULL CHECK (quantity > 0),
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            PRIMARY KEY (refund_id, line_no)
        );
        """,
    ),
    Migration(
        9,
        "the central change log (several outlets)",
        """
        -- Whether this till ships its sales to a central PostgreSQL (docs/central.md), as which
        -- outlet and terminal, and how far it got. One row, always there (id = 1); enrolled = 0
        -- until `pos-app central enroll`, so a single-shop till records nothing.
        CREATE TABLE central_state (
            id                    INTEGER PRIMARY KEY CHECK (id = 1),
            enrolled              INTEGER NOT NULL DEFAULT 0 CHECK (enrolled IN (0, 1)),
            outlet_id             TEXT,
            terminal_id           TEXT,
            enrolled_at           TEXT,
            last_upload_at        TEXT,
            last_error            TEXT,
            last_error_at         TEXT,
            catalog_version_seen  INTEGER NOT NULL DEFAULT 0,
            last_catalog_at       TEXT,
            -- pos.outlets.catalog_managed as last read: while 1, the price list is central's
            -- and local product edits are refused.
            catalog_managed       INTEGER NOT NULL DEFAULT 0 CHECK (catalog_managed IN (0, 1)),
            CHECK (enrolled = 0 OR (outlet_id IS NOT NULL AND terminal_id IS NOT NULL))
        );
        INSERT INTO central_state (id) VALUES (1);

        -- Every insert or update of a row that central holds, written by the triggers below in
        -- the same transaction as the write itself: a kill -9 can't separate a sale from its
        -- change row, and every later change (a late payment, a void, a refund paid back, a
        -- shift closed) is shipped, not only the moment of the sale. The uploader (sync.central)
        -- reads them in id order, ships the rows as they are *then*, and deletes the ids it
        -- shipped. `at` is SQLite's own clock (a trigger can't see the app's): for the lag.
        CREATE TABLE central_changes (
            id    INTEGER PRIMARY KEY AUTOINCREMENT,
            tbl   TEXT NOT NULL,
            key   TEXT NOT NULL,
            at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );

        -- Keys: the local primary key (orders.id, the K1-20261206-0001 number; credits.id).
        -- No triggers on order_lines and refund_lines: they are written with their order or
        -- refund, in its transaction, and never changed afterwards; shipping an order ships its
        -- lines, shipping a refund its lines.
        CREATE TRIGGER central_orders_insert AFTER INSERT ON orders
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('orders', NEW.id); END;
        CREATE TRIGGER central_orders_update AFTER UPDATE ON orders
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('orders', NEW.id); END;

        CREATE TRIGGER central_payments_insert AFTER INSERT ON payments
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('payments', NEW.id); END;
        -- A pending QRIS is checked every second or so, and every check writes next_check_at
        -- and updated_at: only a change of a column central holds is recorded.
        CREATE TRIGGER central_payments_update AFTER UPDATE ON payments
        WHEN (SELECT enrolled FROM central_state) = 1 AND (
            OLD.order_id IS NOT NEW.order_id OR OLD.method IS NOT NEW.method
            OR OLD.provider IS NOT NEW.provider OR OLD.amount IS NOT NEW.amount
            OR OLD.payable_amount IS NOT NEW.payable_amount
            OR OLD.unique_code IS NOT NEW.unique_code OR OLD.tendered IS NOT NEW.tendered
            OR OLD.change_given IS NOT NEW.change_given OR OLD.paid_amount IS NOT NEW.paid_amount
            OR OLD.provider_ref IS NOT NEW.provider_ref OR OLD.status IS NOT NEW.status
            OR OLD.error IS NOT NEW.error OR OLD.created_at IS NOT NEW.created_at
            OR OLD.expires_at IS NOT NEW.expires_at OR OLD.paid_at IS NOT NEW.paid_at)
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('payments', NEW.id); END;

        CREATE TRIGGER central_refunds_insert AFTER INSERT ON refunds
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('refunds', NEW.id); END;
        CREATE TRIGGER central_refunds_update AFTER UPDATE ON refunds
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('refunds', NEW.id); END;

        CREATE TRIGGER central_shifts_insert AFTER INSERT ON shifts
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('shifts', NEW.id); END;
        CREATE TRIGGER central_shifts_update AFTER UPDATE ON shifts
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('shifts', NEW.id); END;

        CREATE TRIGGER central_credits_insert AFTER INSERT ON credits
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('credits', NEW.id); END;
        CREATE TRIGGER central_credits_update AFTER UPDATE ON credits
        WHEN (SELECT enrolled FROM central_state) = 1
        BEGIN INSERT INTO central_changes (tbl, key) VALUES ('credits', NEW.id); END;
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
