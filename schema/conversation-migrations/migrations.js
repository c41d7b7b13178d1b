import journal from './meta/_journal.json';
import m0000 from './0000_init.sql';
import m0001 from './0001_group_admin.sql';
import m0002 from './0002_direct_rules.sql';
import m0003 from './0003_search.sql';
import m0004 from './0004_hidden_messages.sql';
import m0005 from './0005_group_grid.sql';
import m0006 from './0006_marked_unread.sql';
import m0007 from './0007_summary_shards.sql';
import m0008 from './0008_drop_message_id_index.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008
    }
  }
  