// Validate many data files against one shapes file with Jena SHACL, in a single JVM.
//
//   java -cp CLASSPATH scripts/interop/ShaclBatch.java SHAPES DATA REPORT [DATA REPORT ...]
//
// Each DATA may be a comma-separated list of files read into one graph (for example
// a fixture and the vocabulary). Each REPORT is the SHACL validation report in Turtle,
// exactly what `shacl.shacl validate --shapes SHAPES --data DATA` prints.
import java.io.FileOutputStream;
import java.io.OutputStream;

import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.graph.GraphFactory;

public class ShaclBatch {
    public static void main(String[] args) throws Exception {
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        int failures = 0;
        for (int i = 1; i + 1 < args.length; i += 2) {
            try (OutputStream out = new FileOutputStream(args[i + 1])) {
                Graph data = GraphFactory.createDefaultGraph();
                for (String file : args[i].split(",")) {
                    RDFDataMgr.read(data, file);
                }
                ValidationReport report = ShaclValidator.get().validate(shapes, data);
                RDFDataMgr.write(out, report.getModel(), Lang.TTL);
            } catch (Exception e) {
                failures++;
                System.err.println("FAILED " + args[i] + ": " + e);
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
