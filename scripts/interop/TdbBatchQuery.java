// Run many SPARQL queries on one Jena TDB2 database in a single JVM.
//
//   java -cp CLASSPATH scripts/interop/TdbBatchQuery.java DB_DIR QUERY_FILE OUT_FILE [QUERY_FILE OUT_FILE ...]
//
// The default graph is the union of the named graphs (TDB2's unionDefaultGraph),
// as on spacecoop's endpoint. SELECT and ASK answers are written as SPARQL-JSON,
// CONSTRUCT and DESCRIBE answers as N-Triples. `tdb2.tdbquery` gives the same
// answers one query (and one JVM start) at a time.
import java.io.FileOutputStream;
import java.io.OutputStream;

import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

public class TdbBatchQuery {
    public static void main(String[] args) throws Exception {
        Dataset dataset = TDB2Factory.connectDataset(args[0]);
        int failures = 0;
        for (int i = 1; i + 1 < args.length; i += 2) {
            String queryFile = args[i];
            String outFile = args[i + 1];
            try (OutputStream out = new FileOutputStream(outFile)) {
                Query query = QueryFactory.read(queryFile);
                Txn.executeRead(dataset, () -> {
                    try (QueryExecution exec = QueryExecutionFactory.create(query, dataset)) {
                        exec.getContext().set(TDB2.symUnionDefaultGraph, true);
                        if (query.isSelectType()) {
                            ResultSetFormatter.outputAsJSON(out, exec.execSelect());
                        } else if (query.isAskType()) {
                            ResultSetFormatter.outputAsJSON(out, exec.execAsk());
                        } else if (query.isConstructType()) {
                            RDFDataMgr.write(out, exec.execConstruct(), Lang.NTRIPLES);
                        } else {
                            RDFDataMgr.write(out, exec.execDescribe(), Lang.NTRIPLES);
                        }
                    }
                });
            } catch (Exception e) {
                failures++;
                System.err.println("FAILED " + queryFile + ": " + e);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
