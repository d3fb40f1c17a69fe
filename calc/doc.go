// Package calc is integer arithmetic that remembers how it was done.
//
// Every number layerinfo reports (an output size, a parameter count, a FLOP
// count) is computed by building an Expr: the value and the text of the
// arithmetic with the actual values substituted are produced by the same
// call, so the explanation shown to the user cannot drift from the number.
//
//	calc.Mul(calc.Add(calc.Mul(calc.N(5), calc.N(5), calc.N(1)), calc.N(1)), calc.N(32))
//
// reads "(5*5*1+1)*32" and is worth 832. Overflow of int64 is an error
// carried by the Expr (see Err), never a wrapped value. Unknown quantities
// (a symbolic batch size) are written by name and make the value unknown.
//
// The value, and any error, is computed when an Expr is built; the text
// is not: an Expr keeps its operands and String, Equation and an error's
// message write the text when asked, so arithmetic nobody reads costs one
// small allocation per combinator and none per number. Terse goes further
// for callers that show no arithmetic at all (inference under
// NoArithmetic): known, error-free results are kept as bare numbers.
//
// The package uses the standard library only.
package calc
